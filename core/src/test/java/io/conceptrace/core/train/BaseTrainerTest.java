package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class BaseTrainerTest {
  private NDManager manager;
  private final ImageDataset train =
      new SyntheticShapes(new SyntheticShapes.Config(1, "train", 96, 16, 0.3));
  private final ImageDataset val =
      new SyntheticShapes(new SyntheticShapes.Config(1, "val", 40, 16, 0.3));
  private final ArchitectureSpec arch = new ArchitectureSpec("small-cnn", 0.25, true, 3, 16, 10);
  private final Normalization norm = Normalization.estimate(train, 96);

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  private TrainedModel train(long seed, TrainListener listener) {
    TrainSpec spec =
        TrainSpec.smallImages(2, 32, 0.2, seed).withAugmentation(new Augmentation(2, true));
    return new BaseTrainer(manager).train(arch, train, Optional.of(val), norm, spec, listener);
  }

  @Test
  void sameSeedGivesTheSameWeightsAndAnotherSeedDoesNot() {
    try (TrainedModel a = train(5, TrainListener.NONE);
        TrainedModel b = train(5, TrainListener.NONE);
        TrainedModel c = train(6, TrainListener.NONE);
        Network fresh = Network.create(arch, manager, 5)) {
      for (String name : a.network().parameters().keySet()) {
        NDArray pa = a.network().parameters().get(name);
        assertThat(pa.contentEquals(b.network().parameters().get(name))).as(name).isTrue();
      }
      for (String name : a.network().buffers().keySet()) {
        assertThat(a.network().buffers().get(name).contentEquals(b.network().buffers().get(name)))
            .isTrue();
      }
      // Training changed the weights, and the seed matters.
      String w = "layer2.0.weight";
      assertThat(a.network().parameters().get(w).contentEquals(fresh.parameters().get(w)))
          .isFalse();
      assertThat(a.network().parameters().get(w).contentEquals(c.network().parameters().get(w)))
          .isFalse();
      for (int e = 0; e < 2; e++) {
        assertThat(a.history().get(e).trainLoss()).isEqualTo(b.history().get(e).trainLoss());
        assertThat(a.history().get(e).valLoss()).isEqualTo(b.history().get(e).valLoss());
      }
    }
  }

  @Test
  void reportsEveryStepAndEpochAndCheckpointsRoundTrip(@TempDir Path dir) {
    List<EpochMetrics> epochs = new ArrayList<>();
    int[] steps = {0};
    TrainListener listener =
        new TrainListener() {
          @Override
          public void onStep(int epoch, int step, int stepsPerEpoch, double loss) {
            steps[0]++;
            assertThat(stepsPerEpoch).isEqualTo(3);
            assertThat(loss).isFinite();
          }

          @Override
          public void onEpoch(EpochMetrics metrics) {
            epochs.add(metrics);
          }
        };
    try (TrainedModel model = train(1, listener)) {
      assertThat(steps[0]).isEqualTo(6);
      assertThat(epochs).isEqualTo(model.history()).hasSize(2);
      EpochMetrics last = model.last();
      assertThat(last.epoch()).isEqualTo(2);
      assertThat(last.valTop1()).isBetween(0.0, 1.0);
      assertThat(last.valTop5()).isGreaterThanOrEqualTo(last.valTop1());
      assertThat(last.imagesPerSecond()).isPositive();
      assertThat(last.learningRate()).isLessThan(epochs.get(0).learningRate());

      model.save(dir);
      try (TrainedModel.Checkpoint back = TrainedModel.load(dir, manager)) {
        assertThat(back.normalization()).isEqualTo(norm);
        assertThat(back.history()).isEqualTo(model.history());
        Evaluation again = Evaluation.of(back.network(), val, back.normalization(), 16, 1, manager);
        assertThat(again.top1()).isEqualTo(last.valTop1());
        assertThat(again.loss())
            .isCloseTo(last.valLoss(), org.assertj.core.data.Offset.offset(1e-6));
      }
    }
  }
}
