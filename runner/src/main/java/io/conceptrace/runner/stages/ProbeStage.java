package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.probe.ActivationExtractor;
import io.conceptrace.core.probe.ActivationSource;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.probe.CachedActivations;
import io.conceptrace.core.probe.EpochMetrics;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.probe.ProbeListener;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.core.probe.ProbeTrainer;
import io.conceptrace.core.probe.TrainedProbe;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.cell.ProbeCellSpec;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.util.Optional;

/**
 * {@code probe}, {@code reprobe} and {@code lds-probe}: a linear (dense or k-sparse) probe for one
 * concept at one layer of one model (a base model, a model retrained without a prune set, or a
 * subset model of {@code evaluate.lds}), trained on the unchanged concept set; an lds-probe also
 * records its logits on the attribution's targets ({@value StageFiles#TARGET_LOGITS}). Writes the
 * probe ({@code probe/cav.npy}, {@code probe/bias.npy}) and its held-out accuracy ({@value
 * StageFiles#PROBE_ACCURACY}).
 */
final class ProbeStage implements StageRunner {
  static final String PROBE_DIR = "probe";
  private static final int EXTRACT_BATCH = 128;

  private final Concepts concepts;
  private final ComputeEngine engine;

  /** Present for lds-probe cells: records the new probe's logits on the attribution's targets. */
  private final Optional<LdsStage> lds;

  ProbeStage(Concepts concepts, ComputeEngine engine) {
    this(concepts, engine, Optional.empty());
  }

  ProbeStage(Concepts concepts, ComputeEngine engine, Optional<LdsStage> lds) {
    this.concepts = concepts;
    this.engine = engine;
    this.lds = lds;
  }

  /** The model a probe cell reads: a retrained, subset or base (trained or imported) model. */
  private static StoredCell model(CellContext ctx) {
    return switch (ctx.cell().stage()) {
      case Stages.REPROBE -> ctx.input(Stages.RETRAIN);
      case Stages.LDS_PROBE -> ctx.input(Stages.LDS_TRAIN);
      default -> AttributeStage.baseModel(ctx);
    };
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ProbeCellSpec cell = ctx.spec(ProbeCellSpec.class);
    String layer = cell.layer();
    StoredCell model = model(ctx);
    ConceptSet set = concepts.get(cell.concept(), ctx.inputs(Stages.CONCEPT));
    concepts.describe(ctx, cell.concept(), set);
    ProbeSpec spec = cell.probe();
    Pooling pooling = spec.pooling();
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        TrainedModel.Checkpoint checkpoint =
            TrainedModel.load(model.artifact(TrainStage.MODEL_DIR), manager)) {
      ActivationExtractor extractor =
          new ActivationExtractor(
              checkpoint.network(),
              layer,
              pooling,
              BatchEncoder.evaluation(checkpoint.normalization()),
              EXTRACT_BATCH);
      ActivationSource train;
      Optional<Augmentation> augmentation = cell.augmentation();
      if (augmentation.isPresent()) {
        // Every probe batch is a fresh random view of its images, through the frozen subnetwork.
        train =
            new ActivationExtractor(
                    checkpoint.network(),
                    layer,
                    pooling,
                    BatchEncoder.augmenting(
                        checkpoint.normalization(), augmentation.get(), ctx.seed()),
                    EXTRACT_BATCH)
                .source(set.train());
      } else {
        ctx.progress().update("extract", 0, 2);
        train = extractor.extract(set.train());
      }
      ctx.progress().update("extract", 1, 2);
      CachedActivations test = extractor.extract(set.test());
      int epochs = spec.epochs();
      TrainedProbe probe =
          new ProbeTrainer()
              .train(
                  spec,
                  layer,
                  train,
                  set.train().labels(),
                  test,
                  set.test().labels(),
                  new ProbeListener() {
                    @Override
                    public void afterEpoch(EpochMetrics m) {
                      ctx.metric("epoch.train.loss", m.epoch(), m.trainLoss());
                      ctx.metric("epoch.val.accuracy", m.epoch(), m.valAccuracy());
                      ctx.progress().update("epoch", m.epoch(), epochs);
                    }
                  });
      probe.probe().save(Files.createDirectories(ctx.writer().directory().resolve(PROBE_DIR)));
      if (cell.recordedTargets().isPresent()) {
        lds.orElseThrow()
            .writeTargetLogits(
                ctx, checkpoint, layer, set, cell.recordedTargets().get(), pooling, manager);
      }
      ctx.metric("train.accuracy", epochs, probe.trainAccuracy());
      ctx.metric("val.auc", epochs, probe.valAuc());
      ctx.metric("nonzeros", epochs, probe.nonZeros());
      ctx.metric(StageFiles.PROBE_ACCURACY, epochs, probe.valAccuracy());
      return ctx.commit(
          ctx.recordBuilder().timing("probe", probe.trainingTime().toMillis() / 1000.0));
    }
  }
}
