package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Known answers of the sparse Johnson–Lindenstrauss projection. */
class SparseJlProjectorTest {
  private static final int P = 1000;
  private static final int K = 128;

  private static NDManager manager;

  @BeforeAll
  static void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  private static Projector projector(long seed, int k, long blockBytes) {
    return Projector.create(ProjectionKind.SPARSE_JL, seed, P, k, blockBytes, 0, manager);
  }

  @Test
  void everyRowOfRHasSDistinctEntriesOfPlusMinusOneOverRootSAndUnitNorm() {
    // φ(e_i) is row i of R: exactly s nonzeros, each ±1/√s, so ‖R_i‖² = 1 exactly.
    try (NDManager scope = manager.newSubManager();
        Projector p = projector(3, K, 1L << 30)) {
      int s = ((SparseJlProjector) p).nonzeros();
      assertThat(s).isEqualTo(SparseJlProjector.NONZEROS);
      float[] identity = new float[P * P];
      for (int i = 0; i < P; i++) {
        identity[i * P + i] = 1f;
      }
      float[] rows = p.project(scope.create(identity, new Shape(P, P))).toFloatArray();
      int positive = 0;
      for (int i = 0; i < P; i++) {
        int nonzero = 0;
        double norm = 0;
        for (int c = 0; c < K; c++) {
          float v = rows[i * K + c];
          if (v != 0f) {
            nonzero++;
            assertThat(Math.abs(v)).isEqualTo((float) (1 / Math.sqrt(s)));
            positive += v > 0 ? 1 : 0;
          }
          norm += (double) v * v;
        }
        assertThat(nonzero).as("nonzeros of row %d", i).isEqualTo(s);
        assertThat(norm).isCloseTo(1.0, within(1e-6));
      }
      // signs are fair coins: P·s = 8000 draws, sd ≈ 45
      assertThat(positive).isBetween(P * s / 2 - 250, P * s / 2 + 250);
    }
  }

  @Test
  void theSquaredNormIsPreservedInExpectation() {
    // E‖Rᵀx‖² = ‖x‖²: averaged over 300 seeds the ratio is 1 (per seed its sd is ≈ √(2/k)).
    Random random = new Random(2);
    float[] x = new float[P];
    double squared = 0;
    for (int i = 0; i < P; i++) {
      x[i] = (float) (random.nextGaussian() * (1 + i % 7)); // uneven coordinates
      squared += (double) x[i] * x[i];
    }
    int seeds = 300;
    double sum = 0;
    double sumSq = 0;
    try (NDManager scope = manager.newSubManager()) {
      NDArray g = scope.create(x, new Shape(1, P));
      for (int seed = 0; seed < seeds; seed++) {
        try (Projector p = projector(seed, K, 1L << 30)) {
          float[] phi = p.project(g).toFloatArray();
          double norm = 0;
          for (float v : phi) {
            norm += (double) v * v;
          }
          sum += norm / squared;
          sumSq += (norm / squared) * (norm / squared);
        }
      }
    }
    double mean = sum / seeds;
    double variance = sumSq / seeds - mean * mean;
    assertThat(mean).isCloseTo(1.0, within(0.04)); // ≥ 5 standard errors
    assertThat(variance).isLessThan(4.0 / K).isPositive();
  }

  @Test
  void theProjectionIsTheSameBitsWhateverTheBlockingOrBatch() {
    try (NDManager scope = manager.newSubManager();
        Projector whole = projector(42, K, 1L << 30);
        Projector blocks = projector(42, K, 740); // 740 / (8 nonzeros · 8 bytes): 11 columns
        Projector cached =
            Projector.create(ProjectionKind.SPARSE_JL, 42, P, K, 740, 1L << 30, manager);
        Projector other = projector(43, K, 1L << 30)) {
      // 21 images: two whole tiles of 8 rows and a partial one
      NDArray g = scope.create(gaussian(new Random(1), 21 * P), new Shape(21, P));
      float[] a = whole.project(g).toFloatArray();
      assertThat(blocks.project(g).toFloatArray()).isEqualTo(a);
      // R's rows generated once and kept give the same bits, on the first call and after
      assertThat(cached.project(g).toFloatArray()).isEqualTo(a);
      assertThat(cached.project(g).toFloatArray()).isEqualTo(a);
      // each image's features are its own: the first five alone are the first five rows
      float[] five = whole.project(g.get("0:5")).toFloatArray();
      for (int i = 0; i < five.length; i++) {
        assertThat(five[i]).isEqualTo(a[i]);
      }
      float[] single = whole.project(g.get("1:2")).toFloatArray();
      for (int c = 0; c < K; c++) {
        assertThat(single[c]).isEqualTo(a[K + c]);
      }
      float[] b = other.project(g).toFloatArray();
      int differing = 0;
      for (int i = 0; i < a.length; i++) {
        differing += Math.abs(a[i] - b[i]) > 1e-4 ? 1 : 0;
      }
      assertThat(differing).isGreaterThan(a.length * 9 / 10);
      assertThat(whole.generationNanos()).isPositive();
      assertThat(whole.multiplyNanos()).isPositive();
    }
  }

  @Test
  void aSmallKTakesEveryColumn() {
    try (NDManager scope = manager.newSubManager();
        Projector p = projector(1, 4, 1L << 30)) {
      assertThat(((SparseJlProjector) p).nonzeros()).isEqualTo(4);
      float[] e0 = new float[P];
      e0[0] = 1f;
      float[] phi = p.project(scope.create(e0, new Shape(1, P))).toFloatArray();
      Set<Float> magnitudes = new HashSet<>();
      for (float v : phi) {
        magnitudes.add(Math.abs(v));
      }
      assertThat(magnitudes).containsExactly(0.5f);
    }
  }

  private static float[] gaussian(Random r, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }
}
