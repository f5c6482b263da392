package io.conceptrace.core.concept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ActivationConcept.Combine;
import io.conceptrace.core.concept.ActivationConcept.Selection;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.probe.BatchEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Activation concepts on a known answer: the reference "network" is the identity, so channel c's L2
 * norm over a flat 4x4 image of brightness b is exactly 4b, and the positives and threshold follow
 * by hand.
 */
class ActivationConceptTest {
  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  /** Flat 3x4x4 images whose channel c has brightness {@code brightness[i] * (c + 1)}. */
  private record Flat(String name, double[] brightness) implements ImageDataset {
    @Override
    public int size() {
      return brightness.length;
    }

    @Override
    public Example get(int index) {
      float[] px = new float[3 * 16];
      for (int c = 0; c < 3; c++) {
        for (int p = 0; p < 16; p++) {
          px[c * 16 + p] = (float) (brightness[index] * (c + 1));
        }
      }
      return new Example(name + "/" + index, index % 2, new ImageTensor(3, 4, 4, px), Set.of());
    }

    @Override
    public List<String> classNames() {
      return List.of("a", "b");
    }

    @Override
    public int channels() {
      return 3;
    }

    @Override
    public int imageSize() {
      return 4;
    }
  }

  private double[] scores(ImageDataset data, Selection selection) {
    return ActivationConcept.scores(data, BatchEncoder.pixels(), x -> x, selection, 7, manager);
  }

  @Test
  void scoresAreTheCombinedChannelNorms() {
    Flat data = new Flat("d", new double[] {0.1, 0.25, 0.5});
    // Channel c of image i is brightness * (c + 1) on 16 pixels: norm 4 * brightness * (c + 1).
    assertThat(scores(data, new Selection(List.of(0, 2), Combine.MAX, 0.5)))
        .containsExactly(new double[] {1.2, 3.0, 6.0}, within(1e-5));
    assertThat(scores(data, new Selection(List.of(0, 2), Combine.SUM, 0.5)))
        .containsExactly(new double[] {1.6, 4.0, 8.0}, within(1e-5));
    assertThat(scores(data, new Selection(List.of(1), Combine.SUM, 0.5)))
        .containsExactly(new double[] {0.8, 2.0, 4.0}, within(1e-5));
  }

  @Test
  void trainingPercentileIsAppliedUnchangedToValidation() {
    // 30 training images, brightness (i % 10) / 10: the top 20% are the six of brightness 0.8, 0.9.
    double[] trainB = new double[30];
    for (int i = 0; i < 30; i++) {
      trainB[i] = (i % 10) / 10.0;
    }
    // Validation images chosen so that the training threshold (score 4 * 0.8 * 3 = 9.6 for
    // channel 2) selects half of them: a percentile recomputed on them would select one.
    double[] valB = {0.85, 0.1, 0.95, 0.79, 0.5, 0.81};
    Flat train = new Flat("train", trainB);
    Flat val = new Flat("val", valB);
    Selection selection = new Selection(List.of(2), Combine.MAX, 0.2);
    double[] trainScores = scores(train, selection);
    double threshold = ActivationConcept.threshold(trainScores, selection.fraction());
    assertThat(threshold).isCloseTo(9.6, within(1e-5));
    ConceptSpec spec =
        new ConceptSpec.TopActivating("ch 2", trainScores, scores(val, selection), threshold);
    ConceptSet set =
        ConceptSet.builder()
            .setName("hl")
            .setSpec(spec)
            .setTrainSource(train)
            .setTestSource(val)
            .optSeed(5)
            .build();
    assertThat(positiveIds(set.train()))
        .containsExactlyInAnyOrder(
            "train/8", "train/9", "train/18", "train/19", "train/28", "train/29");
    assertThat(positiveIds(set.test())).containsExactlyInAnyOrder("val/0", "val/2", "val/5");
    // Negatives: as many as positives, none of them a positive.
    assertThat(set.sizes().trainNegatives()).isEqualTo(6);
    assertThat(set.sizes().testNegatives()).isEqualTo(3);
    for (int i = 0; i < set.train().size(); i++) {
      if (set.train().labels()[i] < 0.5f) {
        assertThat(trainB[Integer.parseInt(set.train().get(i).id().substring(6))]).isLessThan(0.8);
      }
    }
  }

  @Test
  void aFractionThatSelectsNoImageIsRejected() {
    assertThat(ActivationConcept.positivesFor(30, 0.1)).isEqualTo(3);
    assertThat(ActivationConcept.positivesFor(9, 0.1)).isZero();
    assertThatThrownBy(() -> ActivationConcept.threshold(new double[9], 0.1))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("leaves no positives");
  }

  @Test
  void aChannelBeyondTheMapIsNamed() {
    Flat data = new Flat("d", new double[] {0.1});
    assertThatThrownBy(() -> scores(data, new Selection(List.of(3), Combine.MAX, 0.5)))
        .isInstanceOf(BadInputException.class)
        .hasMessage("channel 3 is out of range for a layer with 3 channels");
  }

  private static List<String> positiveIds(ConceptSplit split) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < split.size(); i++) {
      if (split.labels()[i] > 0.5f) {
        out.add(split.get(i).id());
      }
    }
    return out;
  }
}
