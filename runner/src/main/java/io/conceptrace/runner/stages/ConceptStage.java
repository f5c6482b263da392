package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ActivationConcept;
import io.conceptrace.core.concept.TorchScriptFeatures;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.io.Npy;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.ConceptCellSpec;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code concept}: an activation concept's score on every training and validation image (the chosen
 * channels' L2 norms at the reference's layer, combined) and its threshold, the top {@code
 * fraction} of the training scores, which selects the validation positives unchanged (Appendix D).
 * Writes {@value #TRAIN_SCORES}, {@value #VAL_SCORES} and {@value #THRESHOLD}, and the metrics
 * {@code threshold}, {@code train.positives} and {@code val.positives}.
 */
final class ConceptStage implements StageRunner {
  static final String TRAIN_SCORES = "concept/train-scores.npy";
  static final String VAL_SCORES = "concept/val-scores.npy";
  static final String THRESHOLD = "concept/threshold.npy";
  private static final int BATCH = 128;

  private final StudyData data;
  private final ComputeEngine engine;

  ConceptStage(StudyData data, ComputeEngine engine) {
    this.data = data;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ConceptCellSpec cell = ctx.spec(ConceptCellSpec.class);
    Experiment.Activation a = cell.activation();
    ActivationConcept.Selection selection =
        new ActivationConcept.Selection(a.channels(), a.combine(), a.fraction());
    ImageDataset train = data.train();
    ImageDataset val = data.val();
    double[] trainScores;
    double[] valScores;
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      if (a.reference() instanceof Experiment.Reference.TorchScript ts) {
        TorchScriptFeatures loaded = TorchScriptFeatures.load(ts.file(), manager);
        try (TorchScriptFeatures module = loaded) {
          // The module's output width is known only now: a channel beyond it fails here.
          ActivationConcept.FeatureMaps maps = module;
          // The module's normalisation is its own: it receives the pixels in [0, 1].
          ctx.progress().update("score", 0, 2);
          trainScores =
              ActivationConcept.scores(
                  train, BatchEncoder.pixels(), maps, selection, BATCH, manager);
          ctx.progress().update("score", 1, 2);
          valScores =
              ActivationConcept.scores(val, BatchEncoder.pixels(), maps, selection, BATCH, manager);
        } catch (BadInputException e) {
          throw new BadInputException(
              "concepts."
                  + cell.concept().name()
                  + ": "
                  + e.getMessage()
                  + (e.getMessage().contains(ts.file().toString())
                      ? ""
                      : " (reference " + ts.file() + ")"),
              e);
        }
      } else if (a.reference() instanceof Experiment.Reference.Checkpoint k) {
        try (TrainedModel.Checkpoint c = checkpoint(k, manager)) {
          BatchEncoder encoder = BatchEncoder.evaluation(c.normalization());
          ActivationConcept.FeatureMaps maps = x -> c.network().forwardTo(x, a.layer(), Mode.EVAL);
          ctx.progress().update("score", 0, 2);
          trainScores = ActivationConcept.scores(train, encoder, maps, selection, BATCH, manager);
          ctx.progress().update("score", 1, 2);
          valScores = ActivationConcept.scores(val, encoder, maps, selection, BATCH, manager);
        }
        ctx.provenance("concept.reference", k.file().toString());
      } else {
        // The cell's one input is its reference base model (whatever stage made it).
        if (ctx.inputs().size() != 1) {
          throw new CellFailedException(
              "a concept cell reads one base model, the matrix gives " + ctx.inputs().size());
        }
        StoredCell model = ctx.inputs().get(0);
        try (TrainedModel.Checkpoint c =
            TrainedModel.load(model.artifact(TrainStage.MODEL_DIR), manager)) {
          BatchEncoder encoder = BatchEncoder.evaluation(c.normalization());
          ActivationConcept.FeatureMaps maps = x -> c.network().forwardTo(x, a.layer(), Mode.EVAL);
          ctx.progress().update("score", 0, 2);
          trainScores = ActivationConcept.scores(train, encoder, maps, selection, BATCH, manager);
          ctx.progress().update("score", 1, 2);
          valScores = ActivationConcept.scores(val, encoder, maps, selection, BATCH, manager);
        }
      }
    }
    double threshold = ActivationConcept.threshold(trainScores, a.fraction());
    int trainPositives = countAtLeast(trainScores, threshold);
    int valPositives = countAtLeast(valScores, threshold);
    if (valPositives == 0) {
      throw new BadInputException(
          "concept "
              + cell.concept().name()
              + ": no validation image reaches the training threshold "
              + threshold
              + "; raise concepts."
              + cell.concept().name()
              + ".fraction");
    }
    Files.createDirectories(ctx.file(TRAIN_SCORES).getParent());
    Npy.writeFloat64(ctx.file(TRAIN_SCORES), trainScores, trainScores.length);
    Npy.writeFloat64(ctx.file(VAL_SCORES), valScores, valScores.length);
    Npy.writeFloat64(ctx.file(THRESHOLD), new double[] {threshold}, 1);
    ctx.metric("threshold", 0, threshold);
    ctx.metric("train.positives", 0, trainPositives);
    ctx.metric("val.positives", 0, valPositives);
    ctx.provenance(
        "concept.threshold",
        threshold + " (" + trainPositives + " train, " + valPositives + " val positives)");
    return ctx.commit();
  }

  /**
   * A checkpoint reference's network, read as {@code import-base} reads {@code model.checkpoints}.
   */
  private TrainedModel.Checkpoint checkpoint(Experiment.Reference.Checkpoint k, NDManager manager) {
    ImportStage.Planned planned =
        ImportStage.readPlanned(
            k.file(),
            k.sha256().orElse("none: the file was not there"),
            k.architecture(),
            data::normalization,
            manager);
    return new TrainedModel.Checkpoint(planned.network(), planned.normalization(), List.of());
  }

  static int countAtLeast(double[] scores, double threshold) {
    int n = 0;
    for (double s : scores) {
      n += s >= threshold ? 1 : 0;
    }
    return n;
  }
}
