package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.FashionMnist;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Known answers: the networks, data and trainer together reach published-level accuracy. These
 * train for minutes, so they run only on request:
 *
 * <pre>
 * mvn -B -o -pl core -am test -Dtest=KnownAnswersTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dctrace.knownAnswers=true
 * </pre>
 *
 * Each test prints its per-epoch metrics. Measured figures are in docs/training.md.
 */
@Tag("slow")
@EnabledIfSystemProperty(named = "ctrace.knownAnswers", matches = "true")
class KnownAnswersTest {

  private static TrainedModel train(
      ArchitectureSpec arch,
      ImageDataset train,
      ImageDataset val,
      Normalization norm,
      TrainSpec spec,
      NDManager manager) {
    long start = System.nanoTime();
    TrainListener print =
        new TrainListener() {
          @Override
          public void onEpoch(EpochMetrics m) {
            System.out.printf(
                "%s epoch %d: train loss %.3f acc %.3f, val top-1 %.4f top-5 %.4f, %.0f img/s,"
                    + " %.0f s elapsed%n",
                arch.name(),
                m.epoch(),
                m.trainLoss(),
                m.trainAccuracy(),
                m.valTop1(),
                m.valTop5(),
                m.imagesPerSecond(),
                (System.nanoTime() - start) / 1e9);
          }
        };
    return new BaseTrainer(manager).train(arch, train, Optional.of(val), norm, spec, print);
  }

  private static NDManager manager() {
    // One intra-op thread: on a shared 2-core machine oversubscribed OpenMP threads are slower.
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    return engine.engine().newBaseManager(engine.device());
  }

  @Test
  void smallResNetOnATenthOfFashionMnistReaches85Percent() {
    FashionMnist.Options grey = FashionMnist.Options.nativeGrey();
    ImageDataset train =
        Subsets.perClassFraction(
            FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, grey), 0.1, 1);
    ImageDataset val = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, grey);
    ArchitectureSpec arch = new ArchitectureSpec("resnet10", 0.25, true, 1, 28, 10);
    TrainSpec spec =
        TrainSpec.smallImages(FASHION_EPOCHS, 64, 0.05, 1)
            .withAugmentation(new Augmentation(2, true));
    try (NDManager manager = manager();
        TrainedModel model =
            train(arch, train, val, Normalization.fashionMnist(1), spec, manager)) {
      assertThat(model.last().valTop1()).isGreaterThanOrEqualTo(0.85);
    }
  }

  @Test
  void smallResNetOnGeneratedShapesReaches95Percent() {
    ImageDataset train =
        new SyntheticShapes(SyntheticShapes.Config.of(1, "train", SYNTHETIC_TRAIN));
    ImageDataset val = new SyntheticShapes(SyntheticShapes.Config.of(1, "val", 2000));
    ArchitectureSpec arch = new ArchitectureSpec("resnet10", 0.25, true, 3, 32, 10);
    TrainSpec spec = SYNTHETIC_SPEC;
    try (NDManager manager = manager();
        TrainedModel model =
            train(arch, train, val, Normalization.estimate(train, 1000), spec, manager)) {
      assertThat(model.last().valTop1()).isGreaterThanOrEqualTo(0.95);
    }
  }

  private static final int FASHION_EPOCHS = 15;
  private static final int SYNTHETIC_TRAIN = 8000;
  private static final TrainSpec SYNTHETIC_SPEC =
      new TrainSpec(
          15,
          64,
          OptimizerSpec.adam(0.003, 5e-5),
          new LrSchedule.Cosine(0.5),
          0,
          new Augmentation(2, true),
          1,
          1,
          256);
}
