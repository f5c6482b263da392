package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.train.BaseTrainer;
import io.conceptrace.core.train.EpochMetrics;
import io.conceptrace.core.train.LrSchedule;
import io.conceptrace.core.train.OptimizerSpec;
import io.conceptrace.core.train.ProgressiveResolution;
import io.conceptrace.core.train.TrainListener;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.Experiment;
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
  static final String MODEL_DIR = "model";

  private final Experiment experiment;
  private final StudyData data;
  private final ComputeEngine engine;

  TrainStage(Experiment experiment, StudyData data, ComputeEngine engine) {
    this.experiment = experiment;
    this.data = data;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ImageDataset train = data.train();
    if (ctx.cell().stage().equals(Stages.RETRAIN)) {
      StoredCell pruneSet = ctx.input(Stages.PRUNE_SET);
      List<String> excluded = Files.readAllLines(pruneSet.artifact(StageFiles.EXCLUDED_IDS));
      train = Subsets.excluding(train, excluded);
      ctx.metric("train.size", 0, train.size());
    } else if (ctx.cell().stage().equals(Stages.LDS_TRAIN)) {
      train = LdsStage.Subset.of(ctx.cell().settings()).images(train);
      LdsStage.writeIncluded(ctx, train);
      ctx.metric("train.size", 0, train.size());
    }
    TrainSpec spec = spec(experiment.training(), ctx.seed());
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
                    experiment.architecture(),
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

  /** The experiment's training section as the trainer's spec, seeded with the cell's seed. */
  static TrainSpec spec(Experiment.Training t, long seed) {
    OptimizerSpec optimizer =
        switch (t.optimizer().name()) {
          case SGD ->
              new OptimizerSpec(
                  OptimizerSpec.Kind.SGD,
                  t.optimizer().lr(),
                  t.optimizer().momentum(),
                  t.optimizer().nesterov(),
                  t.weightDecay(),
                  t.weightDecayBatchnorm(),
                  0.9,
                  0.999,
                  1e-8);
          case ADAM ->
              new OptimizerSpec(
                  OptimizerSpec.Kind.ADAM,
                  t.optimizer().lr(),
                  0,
                  false,
                  t.weightDecay(),
                  t.weightDecayBatchnorm(),
                  0.9,
                  0.999,
                  1e-8);
        };
    LrSchedule schedule =
        switch (t.schedule().kind()) {
          case CONSTANT -> new LrSchedule.Constant();
          case STEP -> new LrSchedule.Step(t.schedule().stepEvery(), t.schedule().stepFactor());
          case TRIANGULAR ->
              new LrSchedule.Triangular(t.schedule().peakEpoch(), t.schedule().startFactor());
          case COSINE -> new LrSchedule.Cosine(t.schedule().peakEpoch());
        };
    Augmentation augmentation =
        new Augmentation(
            switch (t.augmentation().crop()) {
              case NONE -> Augmentation.Crop.NONE;
              case PAD_CROP -> Augmentation.Crop.PAD_CROP;
              case RANDOM_RESIZED -> Augmentation.Crop.RANDOM_RESIZED;
            },
            t.augmentation().cropPadding(),
            t.augmentation().flip());
    Experiment.ProgressiveResolution pr = t.progressiveResolution();
    Optional<ProgressiveResolution> resolution =
        pr.enabled()
            ? Optional.of(
                new ProgressiveResolution(
                    pr.minSize(), pr.maxSize(), pr.startEpoch(), pr.endEpoch()))
            : Optional.empty();
    return new TrainSpec(
        t.epochs(),
        t.batchSize(),
        optimizer,
        schedule,
        t.labelSmoothing(),
        augmentation,
        seed,
        1,
        Math.max(t.batchSize(), 256),
        resolution);
  }
}
