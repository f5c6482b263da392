package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.train.BaseTrainer;
import io.conceptrace.core.train.EpochMetrics;
import io.conceptrace.core.train.TrainListener;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.cell.TrainCellSpec;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/**
 * {@code train-base}, {@code retrain} and {@code lds-train}: one model trained from scratch with
 * the cell's seed, on the full training set (train-base), without a prune set's images (retrain) or
 * on one seeded subset of the training set (lds-train, which also lists the subset's ids). Writes
 * the checkpoint ({@code model/}) and per-epoch metrics; a NaN loss fails the cell.
 */
final class TrainStage implements StageRunner {
  static final String MODEL_DIR = StageFiles.MODEL;

  private final StudyData data;
  private final ComputeEngine engine;

  TrainStage(StudyData data, ComputeEngine engine) {
    this.data = data;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    TrainCellSpec cell = ctx.spec(TrainCellSpec.class);
    data.check(cell.data());
    TrainSpec spec = cell.training();
    ImageDataset train = data.train();
    if (ctx.cell().stage().equals(Stages.RETRAIN)) {
      StoredCell pruneSet = ctx.input(Stages.PRUNE_SET);
      List<String> excluded = Files.readAllLines(pruneSet.artifact(StageFiles.EXCLUDED_IDS));
      train = Subsets.excluding(train, excluded);
      ctx.metric("train.size", 0, train.size());
    } else if (cell.ldsSubset().isPresent()) {
      train = LdsStage.images(cell.ldsSubset().get(), train);
      LdsStage.writeIncluded(ctx, train);
      ctx.metric("train.size", 0, train.size());
    }
    int epochs = spec.epochs();
    int imageSize = train.imageSize();
    TrainListener listener =
        new TrainListener() {
          @Override
          public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
            if (!Double.isFinite(loss)) {
              throw new CellFailedException(
                  "training loss is " + loss + " at epoch " + epoch + ", step " + step);
            }
            ctx.progress().update("epoch " + epoch + "/" + epochs + " step", step, stepsPerEpoch);
          }

          @Override
          public void onEpoch(EpochMetrics m) {
            ctx.metric("train.loss", m.epoch(), m.trainLoss());
            ctx.metric("train.accuracy", m.epoch(), m.trainAccuracy());
            ctx.metric("val.loss", m.epoch(), m.valLoss());
            ctx.metric("val.top1", m.epoch(), m.valTop1());
            ctx.metric("lr", m.epoch(), m.learningRate());
            ctx.metric("train.resolution", m.epoch(), spec.resolution(m.epoch() - 1, imageSize));
            ctx.metric("images-per-second", m.epoch(), m.imagesPerSecond());
          }
        };
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        TrainedModel model =
            new BaseTrainer(manager)
                .train(
                    cell.architecture(),
                    train,
                    Optional.of(data.val()),
                    data.normalization(),
                    spec,
                    listener)) {
      model.save(ctx.writer().directory().resolve(MODEL_DIR));
      return ctx.commit(
          ctx.recordBuilder()
              .timing("train", model.history().stream().mapToDouble(EpochMetrics::seconds).sum()));
    }
  }
}
