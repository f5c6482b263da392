package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.nn.NetworkFiles;
import io.conceptrace.core.train.CheckpointNormalization;
import io.conceptrace.core.train.Evaluation;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.cell.ImportCellSpec;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code import-base}: a base model trained elsewhere, read from its safetensors file ({@code
 * model.checkpoints}) instead of trained. The file must still have the content hash it had when the
 * study was planned (the hash is the cell's id). The model is evaluated on the validation split
 * ({@code val.top1}, {@code val.top5}, {@code val.loss} at step 0, which the report shows as the
 * base ensemble's accuracy) and stored as {@link TrainStage} stores a trained one ({@code model/},
 * with an empty history), so that probes, attribution and LDS read it unchanged. Normalisation: the
 * file's metadata ({@link CheckpointNormalization}), else the study's data normalisation, the one
 * our own base models are trained with.
 */
final class ImportStage implements StageRunner {
  private static final int EVAL_BATCH = 256;

  private final StudyData data;
  private final ComputeEngine engine;

  ImportStage(StudyData data, ComputeEngine engine) {
    this.data = data;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ImportCellSpec cell = ctx.spec(ImportCellSpec.class);
    data.check(cell.data());
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      Normalization normalization;
      Network network;
      try {
        Planned planned =
            readPlanned(
                cell.file(), cell.sha256(), cell.architecture(), data::normalization, manager);
        normalization = planned.normalization();
        network = planned.network();
        ctx.provenance(
            "checkpoint.normalization",
            planned.normalizationFromFile() ? "checkpoint metadata" : "study data");
      } catch (BadInputException e) {
        throw new CellFailedException(e.getMessage(), e);
      }
      try (TrainedModel.Checkpoint model =
          new TrainedModel.Checkpoint(network, normalization, List.of())) {
        ctx.progress().update("validation", 0, 1);
        Evaluation val = Evaluation.of(network, data.val(), normalization, EVAL_BATCH, 1, manager);
        ctx.metric("val.top1", 0, val.top1());
        ctx.metric("val.top5", 0, val.top5());
        ctx.metric("val.loss", 0, val.loss());
        model.save(ctx.writer().directory().resolve(TrainStage.MODEL_DIR));
        ctx.provenance("checkpoint.file", cell.file().toString());
        return ctx.commit();
      }
    }
  }

  /** A checkpoint's network and the normalisation its inputs get. */
  record Planned(Network network, Normalization normalization, boolean normalizationFromFile) {}

  /**
   * Reads a safetensors checkpoint that a cell id names by content: the file must still have the
   * hash it had when the study was planned; its normalisation is the one in its metadata, else
   * {@code study}'s (computed only then). Shared by {@code import-base} and the {@code concept}
   * cell of a checkpoint reference.
   *
   * @throws BadInputException (one line naming the file) for a changed or unreadable file
   */
  static Planned readPlanned(
      Path file,
      String plannedSha256,
      ArchitectureSpec architecture,
      Supplier<Normalization> study,
      NDManager manager) {
    String now = NetworkFiles.contentHash(file);
    if (!now.equals(plannedSha256)) {
      throw new BadInputException(
          file
              + " has changed since the study was planned (SHA-256 "
              + now
              + ", planned "
              + plannedSha256
              + "): plan again to import it as a new model");
    }
    Optional<Normalization> inFile =
        CheckpointNormalization.read(
            NetworkFiles.safetensorsMetadata(file), file, architecture.inputChannels());
    Network network = NetworkFiles.readSafetensors(file, architecture, manager);
    return new Planned(network, inFile.orElseGet(study), inFile.isPresent());
  }
}
