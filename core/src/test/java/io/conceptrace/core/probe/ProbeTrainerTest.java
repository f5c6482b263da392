package io.conceptrace.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTrainerTest {
  private static final int D = 40;

  private final ProbeTrainer trainer = new ProbeTrainer();

  private TrainedProbe train(
      ProbeSpec spec, PlantedProblem tr, PlantedProblem va, ProbeListener l) {
    return trainer.train(
        spec, "layerX", CachedActivations.of(tr.x), tr.y, CachedActivations.of(va.x), va.y, l);
  }

  private static ProbeSpec spec() {
    return ProbeSpec.defaults().withEpochs(20).withLearningRate(0.02).withBatchSize(32);
  }

  @Test
  void sgdUpdatesAsTorchOptimSgdWithAndWithoutNesterov() {
    // Two steps with gradient 1, lr 0.1, momentum 0.9: torch gives buf = 1 then 1.9.
    float[] plain = {0f};
    ProbeTrainer.Update sgd = ProbeTrainer.Update.of(ProbeOptimizer.sgd(0.9, false), 1, 0.1);
    sgd.step(plain, new float[] {1f}, null);
    assertThat(plain[0]).isCloseTo(-0.1f, within(1e-6f));
    sgd.step(plain, new float[] {1f}, null);
    assertThat(plain[0]).isCloseTo(-0.1f - 0.19f, within(1e-6f));
    // Nesterov steps along g + mu * buf: 1.9, then 1 + 0.9 * 1.9 = 2.71.
    float[] nesterov = {0f};
    ProbeTrainer.Update nag = ProbeTrainer.Update.of(ProbeOptimizer.sgd(0.9, true), 1, 0.1);
    nag.step(nesterov, new float[] {1f}, null);
    assertThat(nesterov[0]).isCloseTo(-0.19f, within(1e-6f));
    nag.step(nesterov, new float[] {1f}, null);
    assertThat(nesterov[0]).isCloseTo(-0.19f - 0.271f, within(1e-6f));
    // Momentum 0 is plain gradient descent.
    float[] bare = {1f};
    ProbeTrainer.Update.of(ProbeOptimizer.sgd(0, false), 1, 0.5).step(bare, new float[] {2f}, null);
    assertThat(bare[0]).isCloseTo(0f, within(1e-6f));
    assertThatThrownBy(() -> ProbeOptimizer.sgd(0, true)).hasMessageContaining("Nesterov");
  }

  @Test
  void anSgdProbeLearnsThePlantedProblemAndDiffersFromAdam() {
    PlantedProblem tr = PlantedProblem.planted(600, D, 1);
    PlantedProblem va = PlantedProblem.planted(300, D, 2);
    ProbeSpec sgd = spec().withLearningRate(0.5).withOptimizer(ProbeOptimizer.sgd(0.9, true));
    TrainedProbe p = train(sgd, tr, va, ProbeListener.NONE);
    TrainedProbe adam = train(spec().withLearningRate(0.5), tr, va, ProbeListener.NONE);
    assertThat(p.valAccuracy()).isGreaterThanOrEqualTo(0.95);
    assertThat(p.spec().optimizer().kind()).isEqualTo(ProbeOptimizer.Kind.SGD);
    assertThat(p.probe().cav()).isNotEqualTo(adam.probe().cav());
  }

  @Test
  void denseProbeSolvesAPlantedSeparableProblem() {
    PlantedProblem tr = PlantedProblem.planted(600, D, 1);
    PlantedProblem va = PlantedProblem.planted(300, D, 2);
    List<EpochMetrics> epochs = new ArrayList<>();
    TrainedProbe p =
        train(
            spec(),
            tr,
            va,
            new ProbeListener() {
              @Override
              public void afterEpoch(EpochMetrics m) {
                epochs.add(m);
              }
            });

    assertThat(p.valAccuracy()).isGreaterThanOrEqualTo(0.95);
    assertThat(p.valAuc()).isGreaterThanOrEqualTo(0.99);
    assertThat(p.trainAccuracy()).isGreaterThanOrEqualTo(0.95);
    assertThat(p.history()).hasSize(20).isEqualTo(epochs);
    assertThat(p.history().get(19).trainLoss()).isLessThan(p.history().get(0).trainLoss());
    assertThat(p.history()).noneMatch(EpochMetrics::sparse);
    assertThat(p.history().get(19).valAccuracy()).isEqualTo(p.valAccuracy());
    assertThat(p.layer()).isEqualTo("layerX");
    // The CAV points along the planted direction (+1, +1, -1, 0, ...).
    float[] w = p.probe().cav();
    assertThat(w[0]).isPositive();
    assertThat(w[1]).isPositive();
    assertThat(w[2]).isNegative();
    assertThat(Math.abs(w[0])).isGreaterThan(3 * Math.abs(w[5]));
    assertThat(p.nonZeros()).isEqualTo(D);
  }

  @Test
  void shuffledLabelsStayNearChance() {
    PlantedProblem tr = PlantedProblem.planted(600, D, 1).shuffledLabels(9);
    PlantedProblem va = PlantedProblem.planted(400, D, 2).shuffledLabels(10);
    TrainedProbe p = train(spec(), tr, va, ProbeListener.NONE);
    assertThat(p.valAccuracy()).isBetween(0.4, 0.6);
    assertThat(p.valAuc()).isBetween(0.4, 0.6);
  }

  @Test
  void sparseProbeEndsWithAtMostKNonZerosAndFrozenWeightsNeverMove() {
    PlantedProblem tr = PlantedProblem.planted(600, D, 3);
    PlantedProblem va = PlantedProblem.planted(300, D, 4);
    int k = 5;
    List<String> violations = new ArrayList<>();
    boolean[][] firstMask = {null};
    int[] sparseSteps = {0};
    ProbeListener watcher =
        new ProbeListener() {
          @Override
          public void afterStep(Step s) {
            if (!s.sparse()) {
              assertThat(s.epoch()).isLessThanOrEqualTo(10);
              return;
            }
            sparseSteps[0]++;
            boolean[] frozen = s.frozen();
            float[] w = s.weights();
            if (firstMask[0] == null) {
              firstMask[0] = frozen;
            } else if (!java.util.Arrays.equals(firstMask[0], frozen)) {
              violations.add("mask changed at epoch " + s.epoch() + " step " + s.step());
            }
            int kept = 0;
            for (int i = 0; i < w.length; i++) {
              if (frozen[i] && Float.floatToRawIntBits(Math.abs(w[i])) != 0) {
                violations.add("frozen weight " + i + " = " + w[i] + " at step " + s.step());
              }
              kept += frozen[i] ? 0 : 1;
            }
            if (kept != k) {
              violations.add(kept + " unfrozen weights");
            }
          }
        };
    TrainedProbe p = train(spec().withSparsity(k), tr, va, watcher);

    assertThat(violations).isEmpty();
    assertThat(sparseSteps[0]).isEqualTo(10 * (600 / 32 + 1));
    assertThat(p.nonZeros()).isLessThanOrEqualTo(k);
    assertThat(p.history().subList(0, 10)).noneMatch(EpochMetrics::sparse);
    assertThat(p.history().subList(10, 20)).allMatch(EpochMetrics::sparse);
    // The planted rule uses features 0, 1, 2: they survive thresholding and solve the problem.
    float[] w = p.probe().cav();
    assertThat(w[0]).isPositive();
    assertThat(w[1]).isPositive();
    assertThat(w[2]).isNegative();
    assertThat(p.valAccuracy()).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void keepLargestKeepsExactlyKByMagnitudeWithDeterministicTies() {
    float[] w = {0.1f, -3f, 2f, 0.5f, -0.5f, 0f};
    boolean[] frozen = ProbeTrainer.keepLargest(w, 3);
    assertThat(frozen).containsExactly(true, false, false, false, true, true);
    assertThat(w).containsExactly(0f, -3f, 2f, 0.5f, 0f, 0f);
  }

  @Test
  void adamFirstStepsMatchHandComputation() {
    // Step 1: m = 0.1 g, v = 0.001 g², bias-corrected m̂ = g, v̂ = g², so Δ = lr·g/(|g|+ε) ≈
    // lr·sign(g).
    // Step 2 with the same g: m = 0.19 g, v = 0.001999 g², m̂ = g, v̂ = g²: again lr·sign(g).
    float[] p = {1f, -2f, 0f};
    ProbeTrainer.Adam adam = new ProbeTrainer.Adam(3, 0.1);
    adam.step(p, new float[] {4f, -0.5f, 0f}, null);
    assertThat(p[0]).isCloseTo(0.9f, within(1e-6f));
    assertThat(p[1]).isCloseTo(-1.9f, within(1e-6f));
    assertThat(p[2]).isEqualTo(0f);
    adam.step(p, new float[] {4f, -0.5f, 0f}, new boolean[] {false, true, false});
    assertThat(p[0]).isCloseTo(0.8f, within(1e-6f));
    assertThat(p[1]).as("a frozen entry is not updated").isEqualTo(-1.9f);
  }

  @Test
  void sameSeedGivesTheSameProbeAndAnotherSeedAnother() {
    PlantedProblem tr = PlantedProblem.planted(200, D, 5);
    PlantedProblem va = PlantedProblem.planted(100, D, 6);
    ProbeSpec s = spec().withEpochs(3);
    LinearProbe a = train(s, tr, va, ProbeListener.NONE).probe();
    LinearProbe b = train(s, tr, va, ProbeListener.NONE).probe();
    LinearProbe c = train(s.withSeed(1), tr, va, ProbeListener.NONE).probe();
    assertThat(a).isEqualTo(b);
    assertThat(c).isNotEqualTo(a);
  }

  @Test
  void weightDecayShrinksTheWeights() {
    PlantedProblem tr = PlantedProblem.planted(300, D, 7);
    PlantedProblem va = PlantedProblem.planted(100, D, 8);
    double plain = norm(train(spec().withEpochs(5), tr, va, ProbeListener.NONE).probe().cav());
    double decayed =
        norm(
            train(spec().withEpochs(5).withWeightDecay(0.5), tr, va, ProbeListener.NONE)
                .probe()
                .cav());
    assertThat(decayed).isLessThan(plain * 0.8);
  }

  @Test
  void sparsityNotBelowTheLayerWidthIsAUserError() {
    PlantedProblem tr = PlantedProblem.planted(50, D, 1);
    assertThatThrownBy(() -> train(spec().withSparsity(D), tr, tr, ProbeListener.NONE))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("sparsity k=40 is not below the 40 features of layer layerX");
  }

  @Test
  void specRejectsImpossibleSettings() {
    assertThatThrownBy(() -> ProbeSpec.defaults().withEpochs(1).withSparsity(3))
        .hasMessageContaining(">= 2 epochs");
    assertThatThrownBy(() -> ProbeSpec.defaults().withSparsity(0))
        .hasMessageContaining("k must be");
    assertThat(ProbeSpec.defaults().withEpochs(7).withSparsity(2).denseEpochs()).isEqualTo(3);
  }

  @Test
  void probeAndActivationsRoundTripThroughNpyFiles(@TempDir Path dir) {
    PlantedProblem tr = PlantedProblem.planted(30, 7, 1);
    CachedActivations.of(tr.x).save(dir.resolve("acts.npy"));
    CachedActivations b = CachedActivations.load(dir.resolve("acts.npy"));
    assertThat(b.size()).isEqualTo(30);
    assertThat(b.features()).isEqualTo(7);
    float[][] rows = b.rows(new int[] {29, 0, 5});
    assertThat(rows[0]).containsExactly(tr.x[29]);
    assertThat(rows[1]).containsExactly(tr.x[0]);
    assertThat(rows[2]).containsExactly(tr.x[5]);
    assertThat(Npy.readHeader(dir.resolve("acts.npy")).shape()).containsExactly(30, 7);
    LinearProbe probe = new LinearProbe(new float[] {1, 0, -2.5f}, 0.25f);
    probe.save(dir);
    assertThat(LinearProbe.load(dir)).isEqualTo(probe);
  }

  private static double norm(float[] w) {
    double s = 0;
    for (float v : w) {
      s += v * v;
    }
    return Math.sqrt(s);
  }
}
