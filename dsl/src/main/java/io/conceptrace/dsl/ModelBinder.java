package io.conceptrace.dsl;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Model;
import io.conceptrace.dsl.Experiment.Stem;
import java.nio.file.Path;
import java.util.Optional;

/** Binds {@code model.*} and builds the network it describes for the data's images. */
final class ModelBinder {
  private ModelBinder() {}

  /**
   * @param file the experiment file (relative checkpoint names written outside a file are relative
   *     to its directory)
   * @param ensemble {@code training.ensemble}: how many checkpoints are needed
   */
  static Model bind(ConfigReader r, Path file, int ensemble) {
    Model model =
        new Model(
            r.string("model.arch"),
            r.number("model.width", 0, true, 16, false),
            r.choice("model.stem", Stem.class),
            CheckpointsBinder.bind(r, file, ensemble));
    if (!ArchitectureSpec.NAMES.contains(model.arch())) {
      r.problem(
          "model.arch",
          "unknown architecture '"
              + model.arch()
              + "'; known: "
              + String.join(", ", ArchitectureSpec.NAMES)
              + ConfigReader.suggest(model.arch(), ArchitectureSpec.NAMES));
    }
    return model;
  }

  /**
   * The network for the data's images; empty when the architecture is unknown or rejects the shape
   * (then layer names are not checked).
   */
  static Optional<ArchitectureSpec> architecture(ConfigReader r, Data data, Model model) {
    if (!ArchitectureSpec.NAMES.contains(model.arch())) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new ArchitectureSpec(
              model.arch(),
              model.width(),
              model.stem() == Stem.SMALL,
              data.channels() == 1 ? 1 : 3,
              data.imageSize(),
              Math.max(2, data.classes())));
    } catch (IllegalArgumentException e) {
      r.problem("model", e.getMessage());
      return Optional.empty();
    }
  }
}
