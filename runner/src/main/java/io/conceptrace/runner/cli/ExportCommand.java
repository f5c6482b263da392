package io.conceptrace.runner.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.NetworkFiles;
import io.conceptrace.core.train.CheckpointNormalization;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.stages.StageFiles;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import io.conceptrace.store.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace export FILE --out DIR}: the study's stored models as safetensors files with
 * torchvision's parameter names ({@link NetworkFiles#writeSafetensors}), one per cell, named by the
 * cell ({@code train-base-m0.safetensors}), with the input normalisation and the cell's identity in
 * the header's metadata. They load into PyTorch with {@code
 * model.load_state_dict(safetensors.torch.load_file(f))} and back into a study with {@code
 * model.checkpoints}.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write an experiment's stored models as safetensors files with torchvision's names.",
      "One file per cell, named like the cell, with the input normalization in its metadata;",
      "PyTorch loads it with load_state_dict(safetensors.torch.load_file(f)), a study with",
      "model.checkpoints. Exits 1 when a selected model is not in the run store yet."
    })
public final class ExportCommand implements Callable<Integer> {
  /** What {@code --format} accepts. */
  enum Format {
    safetensors
  }

  /** The stages whose cells hold a model ({@code model/}). */
  static final List<String> MODEL_STAGES =
      List.of(Stages.TRAIN_BASE, Stages.IMPORT_BASE, Stages.RETRAIN, Stages.LDS_TRAIN);

  /** Metadata keys besides the normalisation's. */
  static final String META_CELL = "ctrace.cell";

  static final String META_CELL_ID = "ctrace.cell-id";
  static final String META_ARCHITECTURE = "ctrace.architecture";

  @Spec CommandSpec spec;

  @Mixin StudyArguments study;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      required = true,
      description = "Directory to write the files into (created if needed).")
  Path out;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "File format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
      defaultValue = "safetensors")
  Format format = Format.safetensors;

  @Option(
      names = "--stage",
      paramLabel = "STAGE",
      split = ",",
      description =
          "Which models: train-base, import-base, retrain, lds-train; repeatable or"
              + " comma-separated (default: the base models, train-base and import-base).")
  List<String> stages = new ArrayList<>(List.of(Stages.TRAIN_BASE, Stages.IMPORT_BASE));

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    for (String stage : stages) {
      if (!MODEL_STAGES.contains(stage)) {
        err.printf(
            "ctrace: error: --stage %s holds no models; choose from %s%n",
            stage, String.join(", ", MODEL_STAGES));
        err.flush();
        return ExitCode.BAD_INPUT;
      }
    }
    LoadedExperiment loaded = study.load();
    if (!loaded.ok()) {
      loaded.printProblems(err);
      return ExitCode.BAD_INPUT;
    }
    RunStore runs = study.runStore(loaded);
    String name = loaded.matrix().experiment();
    Map<Cell, StoredCell> selected = new LinkedHashMap<>();
    int missing = 0;
    for (Cell c : loaded.matrix().cells()) {
      if (!stages.contains(c.stage())) {
        continue;
      }
      Optional<StoredCell> stored =
          runs.check(name, c.stage(), c.id(), Verification.QUICK).isIntact()
              ? runs.find(name, c.stage(), c.id())
              : Optional.empty();
      if (stored.isPresent()) {
        selected.put(c, stored.get());
      } else {
        missing++;
      }
    }
    if (missing > 0 || selected.isEmpty()) {
      err.printf(
          "ctrace: error: %s of %s's %s model(s) have no intact result in %s; run `ctrace run %s`"
              + " first (ctrace plan shows which)%n",
          selected.isEmpty() && missing == 0 ? "all" : Integer.toString(missing),
          name,
          String.join("/", stages),
          runs.root(),
          study.file);
      err.flush();
      return ExitCode.RUN_FAILED;
    }
    PrintWriter stdout = spec.commandLine().getOut();
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      for (Map.Entry<Cell, StoredCell> e : selected.entrySet()) {
        Path file = out.resolve(fileName(e.getKey()));
        write(e.getKey(), e.getValue(), file, manager);
        stdout.printf("%s\t%s\t%s%n", file, e.getKey().label(), e.getKey().id());
      }
    } catch (BadInputException e) {
      err.println("ctrace: error: " + e.getMessage());
      err.flush();
      return ExitCode.RUN_FAILED;
    }
    stdout.flush();
    return ExitCode.OK;
  }

  /** {@code train-base m0} → {@code train-base-m0.safetensors}. */
  static String fileName(Cell cell) {
    return cell.label().replace(' ', '-') + ".safetensors";
  }

  /** One model, written next to its final name and moved there, so no half file is left. */
  static void write(Cell cell, StoredCell stored, Path file, NDManager manager) {
    try (TrainedModel.Checkpoint c =
        TrainedModel.load(stored.artifact(StageFiles.MODEL), manager)) {
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.putAll(CheckpointNormalization.metadata(c.normalization()));
      metadata.put(META_CELL, cell.label());
      metadata.put(META_CELL_ID, cell.id());
      metadata.put(META_ARCHITECTURE, describe(c.network().spec()));
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path partial = file.resolveSibling(file.getFileName() + ".partial");
      NetworkFiles.writeSafetensors(c.network(), metadata, partial);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The keys a study sets to rebuild this network ({@code model.*}, {@code data.*}). */
  private static String describe(ArchitectureSpec a) {
    return "arch="
        + a.name()
        + " width="
        + a.width()
        + " stem="
        + (a.smallStem() ? "small" : "standard")
        + " channels="
        + a.inputChannels()
        + " classes="
        + a.classes()
        + " image-size="
        + a.imageSize();
  }
}
