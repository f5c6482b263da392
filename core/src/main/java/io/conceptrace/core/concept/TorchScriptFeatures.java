package io.conceptrace.core.concept;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.conceptrace.core.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A reference network exported as TorchScript (e.g. torchvision's GoogLeNet cut after {@code
 * inception3a}, docs/probes.md), loaded with DJL's PyTorch engine; its output is the feature map of
 * an activation concept. The module receives the images as the data gives them, in [0, 1] and
 * {@code [B, C, H, W]}: any input normalisation belongs inside the exported module.
 */
public final class TorchScriptFeatures implements ActivationConcept.FeatureMaps, AutoCloseable {
  private final Path file;
  private final Model model;
  private final ParameterStore parameters;

  private TorchScriptFeatures(Path file, Model model, NDManager manager) {
    this.file = file;
    this.model = model;
    this.parameters = new ParameterStore(manager, false);
  }

  /**
   * Loads the module in {@code file} onto the manager's device.
   *
   * @throws BadInputException if the file is missing or not a TorchScript module
   */
  public static TorchScriptFeatures load(Path file, NDManager manager) {
    if (!Files.isRegularFile(file)) {
      throw new BadInputException(file + ": no such TorchScript file");
    }
    Model model = Model.newInstance("reference", manager.getDevice(), "PyTorch");
    try {
      model.load(file.toAbsolutePath());
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new BadInputException(
          file + ": not a TorchScript module DJL's PyTorch engine can load: " + e.getMessage(), e);
    }
    return new TorchScriptFeatures(file, model, manager);
  }

  /** The module's output for {@code batch}, in evaluation mode. */
  @Override
  public NDArray apply(NDArray batch) {
    NDList out;
    try {
      out = model.getBlock().forward(parameters, new NDList(batch), false);
    } catch (RuntimeException e) {
      throw new BadInputException(
          file
              + ": the module failed on a batch of shape "
              + batch.getShape()
              + ": "
              + e.getMessage(),
          e);
    }
    if (out.size() != 1) {
      throw new BadInputException(
          file + ": the module returns " + out.size() + " arrays; it must return one feature map");
    }
    NDArray maps = out.singletonOrThrow();
    maps.attach(batch.getManager());
    return maps;
  }

  @Override
  public void close() {
    model.close();
  }
}
