package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ProjectorTest {
  private static final int P = 1000; // not a multiple of the tile size: a partial last tile
  private static final int K = 300;

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

  private static Projector projector(ProjectionKind kind, long seed, long blockBytes, long cache) {
    return Projector.create(kind, seed, P, K, blockBytes, cache, manager);
  }

  @ParameterizedTest
  @EnumSource(
      value = ProjectionKind.class,
      names = {"GAUSSIAN", "RADEMACHER"})
  void projectionIsAPureFunctionOfSeedNotOfBlockingCachingOrBatch(ProjectionKind kind) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray g = scope.create(gaussian(new Random(1), 5 * P), new Shape(5, P));
      float[] oneBlock;
      float[] manyBlocks;
      float[] cached;
      float[] otherSeed;
      float[] singleRow;
      try (Projector a = projector(kind, 42, 1L << 30, 0);
          Projector b = projector(kind, 42, (long) RandomProjector.TILE_ROWS * K * 4, 0);
          Projector c = projector(kind, 42, 1L << 30, 1L << 30);
          Projector d = projector(kind, 43, 1L << 30, 0)) {
        assertThat(((RandomProjector) b).blocks()).isEqualTo(4);
        oneBlock = a.project(g).toFloatArray();
        manyBlocks = b.project(g).toFloatArray();
        cached = c.project(g).toFloatArray();
        c.project(g); // second call uses the cache
        otherSeed = d.project(g).toFloatArray();
        singleRow = a.project(g.get("1:2")).toFloatArray();
      }
      for (int i = 0; i < oneBlock.length; i++) {
        assertThat(manyBlocks[i]).isCloseTo(oneBlock[i], within(1e-4f));
        assertThat(cached[i]).isEqualTo(oneBlock[i]);
      }
      for (int j = 0; j < K; j++) {
        assertThat(singleRow[j]).isCloseTo(oneBlock[K + j], within(1e-4f));
      }
      int differing = 0;
      for (int i = 0; i < oneBlock.length; i++) {
        if (Math.abs(otherSeed[i] - oneBlock[i]) > 1e-3) {
          differing++;
        }
      }
      assertThat(differing).isGreaterThan(oneBlock.length * 9 / 10);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ProjectionKind.class,
      names = {"GAUSSIAN", "RADEMACHER"})
  void entriesHaveTheRightDistributionAndScale(ProjectionKind kind) {
    try (NDManager scope = manager.newSubManager();
        Projector p = projector(kind, 7, 1L << 30, 0)) {
      float[] r = ((RandomProjector) p).generate(0, P, scope).toFloatArray();
      double mean = 0;
      double sq = 0;
      double fourth = 0;
      for (float v : r) {
        double z = v * Math.sqrt(K); // undo the 1/√k scale
        mean += z;
        sq += z * z;
        fourth += z * z * z * z;
      }
      int n = r.length;
      assertThat(mean / n).isCloseTo(0, within(0.01));
      assertThat(sq / n).isCloseTo(1, within(0.01));
      // kurtosis: 3 for a Gaussian, 1 for ±1
      assertThat(fourth / n).isCloseTo(kind == ProjectionKind.GAUSSIAN ? 3 : 1, within(0.05));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ProjectionKind.class,
      names = {"GAUSSIAN", "RADEMACHER", "SPARSE_JL"})
  void innerProductsArePreservedUpToTheCommonScale(ProjectionKind kind) {
    // E[φ(a)·φ(b)] = a·b (JL normalisation); the relative error of the cosine is O(1/√k).
    Random random = new Random(5);
    try (NDManager scope = manager.newSubManager();
        Projector p = projector(kind, 9, 1L << 30, 0)) {
      float[] a = gaussian(random, P);
      float[] b = gaussian(random, P);
      for (int i = 0; i < P; i++) {
        b[i] = 0.6f * a[i] + 0.8f * b[i]; // cosine ≈ 0.6
      }
      float[] both = new float[2 * P];
      System.arraycopy(a, 0, both, 0, P);
      System.arraycopy(b, 0, both, P, P);
      float[] phi = p.project(scope.create(both, new Shape(2, P))).toFloatArray();
      double cosBefore =
          dot(a, 0, a, 0, P) == 0
              ? 0
              : dot(a, 0, b, 0, P) / Math.sqrt(dot(a, 0, a, 0, P) * dot(b, 0, b, 0, P));
      double cosAfter =
          dot(phi, 0, phi, K, K) / Math.sqrt(dot(phi, 0, phi, 0, K) * dot(phi, K, phi, K, K));
      assertThat(cosAfter).isCloseTo(cosBefore, within(0.12));
      double normRatio = dot(phi, 0, phi, 0, K) / dot(a, 0, a, 0, P);
      assertThat(normRatio).isCloseTo(1.0, within(0.25));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = ProjectionKind.class,
      names = {"GAUSSIAN", "RADEMACHER", "SPARSE_JL"})
  void referenceModeScoresDoNotScaleWithTheNumberOfParameters(ProjectionKind kind)
      throws Exception {
    // The same gradients with P zero coordinates appended describe the same model; under the old
    // 1/√P scale their reference-mode scores shrank by 2×, now they are equal; and the identity
    // projection gives features of the norm a random projection preserves (was P/k times larger).
    int n = 400;
    int targets = 3;
    Random random = new Random(11);
    float[] g = gaussian(random, (n + targets) * P);
    float[] padded = new float[(n + targets) * 2 * P];
    for (int i = 0; i < n + targets; i++) {
      System.arraycopy(g, i * P, padded, i * 2 * P, P);
    }
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ref-scale");
    double[] plain;
    double[] wide;
    double randomNorm;
    double identityNorm;
    try (NDManager scope = manager.newSubManager();
        Projector narrow = Projector.create(kind, 3, P, 64, 1L << 30, 0, manager);
        Projector twice = Projector.create(kind, 3, 2L * P, 64, 1L << 30, 0, manager);
        Projector none = Projector.create(ProjectionKind.NONE, 0, P, 0, 1L << 30, 0, manager)) {
      NDArray grads = scope.create(g, new Shape(n + targets, P));
      NDArray phi = narrow.project(grads);
      plain = referenceScores(phi, n, dir);
      wide =
          referenceScores(
              twice.project(scope.create(padded, new Shape(n + targets, 2 * P))), n, dir);
      randomNorm = phi.square().sum().getFloat();
      identityNorm = none.project(grads).square().sum().getFloat();
    }
    double plainNorm = Math.sqrt(dot(plain, plain));
    assertThat(plainNorm).isGreaterThan(0);
    for (int i = 0; i < plain.length; i++) {
      assertThat(wide[i]).isCloseTo(plain[i], within(1e-4 * plainNorm));
    }
    assertThat(randomNorm / identityNorm).isCloseTo(1.0, within(0.05));
  }

  /** Φ (K / mean|K|) Φ_tᵀ, the reference ensemble mode's per-model scores, flattened. */
  private static double[] referenceScores(NDArray features, int n, java.nio.file.Path dir) {
    int k = (int) features.getShape().get(1);
    float[] all = features.toFloatArray();
    int targets = (int) features.getShape().get(0) - n;
    java.nio.file.Path file = dir.resolve("phi-" + k + "-" + System.nanoTime() + ".f32");
    try (NDManager scope = manager.newSubManager();
        FeatureStore phi = FeatureStore.create(file, k)) {
      float[] train = java.util.Arrays.copyOfRange(all, 0, n * k);
      phi.append(train, n);
      Kernel kernel = Kernel.compute(phi, 1e-3, scope, 1L << 26);
      NDArray kk = kernel.toNDArray(scope, 1.0 / kernel.meanAbs());
      NDArray x =
          scope.create(train, new Shape(n, k)).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
      NDArray t =
          scope
              .create(java.util.Arrays.copyOfRange(all, n * k, all.length), new Shape(targets, k))
              .toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
      return x.matMul(kk).matMul(t.transpose()).toDoubleArray();
    }
  }

  private static double dot(double[] x, double[] y) {
    double s = 0;
    for (int i = 0; i < x.length; i++) {
      s += x[i] * y[i];
    }
    return s;
  }

  private static double dot(float[] x, int xo, float[] y, int yo, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) x[xo + i] * y[yo + i];
    }
    return s;
  }

  static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
