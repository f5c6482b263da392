package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Trak#featurize} copies each batch's gradients into its chunk's array as they are computed
 * (instead of concatenating all of them at the end): the features must be exactly those of one
 * projection of all the gradient rows in order, whatever the batching.
 */
class FeaturizeChunkTest {
  private static final int IMAGES = 10;
  private static final int PIXELS = 12;
  private static final int P = 40;
  private static final int K = 8;

  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  /**
   * Per-example "gradients" that are a fixed function of each image and its label: row i is
   * sign(y_i) · (x_i · W), with W a fixed [PIXELS, P] matrix, so misplaced or stale rows show.
   */
  private static final class FixedGradients implements PerExampleGradients {
    private final float[] w = new float[PIXELS * P];

    FixedGradients() {
      Random random = new Random(9);
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) random.nextGaussian();
      }
    }

    @Override
    public long dimension() {
      return P;
    }

    @Override
    public Result compute(NDArray x, boolean[] labels) {
      NDManager m = x.getManager();
      NDArray flat = x.reshape(labels.length, PIXELS);
      float[] signs = new float[labels.length];
      for (int i = 0; i < signs.length; i++) {
        signs[i] = labels[i] ? 1f : -1f;
      }
      NDArray g =
          flat.matMul(m.create(w, new Shape(PIXELS, P)))
              .mul(m.create(signs, new Shape(labels.length, 1)));
      return new Result(g, signs);
    }
  }

  @Test
  void severalBatchesInOneChunkGiveTheProjectionOfAllRows(@TempDir Path dir) {
    // A 1 MiB buffer holds every row: one chunk of batches 4, 4 and 2.
    assertThat(featurize(dir, 4, 1L << 20)).containsExactly(expected(4));
  }

  @Test
  void oneBatchPerChunkGivesTheSameRows(@TempDir Path dir) {
    // A buffer smaller than one batch: each chunk is one batch, projected as computed. Rows are
    // projected independently, so the values equal those of one projection of all rows to
    // rounding (the matmul's row count differs).
    float[] got = featurize(dir, 3, 1);
    float[] want = expected(3);
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.length; i++) {
      assertThat(got[i]).as("entry %d", i).isCloseTo(want[i], offset(1e-4f));
    }
  }

  private float[] featurize(Path dir, int batchSize, long bufferBytes) {
    float[] pixels = pixels();
    boolean[] labels = labels();
    try (NDManager scope = manager.newSubManager();
        Projector projector =
            Projector.create(ProjectionKind.GAUSSIAN, 5, P, K, 1L << 20, 1L << 20, scope)) {
      FeatureStore out = FeatureStore.create(dir.resolve("phi.f32"), K);
      try {
        float[] margins =
            Trak.featurize(
                BatchSource.ofRows(pixels, PIXELS),
                labels,
                new FixedGradients(),
                List.of(new Trak.Featurizer(projector, out, false)),
                batchSize,
                bufferBytes,
                scope);
        for (int i = 0; i < IMAGES; i++) {
          assertThat(margins[i]).isEqualTo(labels[i] ? 1f : -1f);
        }
        assertThat(out.rows()).isEqualTo(IMAGES);
        return out.readRows(0, IMAGES);
      } finally {
        out.close();
      }
    }
  }

  /** The old path: each batch's gradients, concatenated, projected once. */
  private float[] expected(int batchSize) {
    try (NDManager scope = manager.newSubManager();
        Projector projector =
            Projector.create(ProjectionKind.GAUSSIAN, 5, P, K, 1L << 20, 1L << 20, scope)) {
      float[] pixels = pixels();
      boolean[] labels = labels();
      NDList parts = new NDList();
      for (int start = 0; start < IMAGES; start += batchSize) {
        int count = Math.min(batchSize, IMAGES - start);
        float[] x = Arrays.copyOfRange(pixels, start * PIXELS, (start + count) * PIXELS);
        boolean[] y = Arrays.copyOfRange(labels, start, start + count);
        NDArray batch = scope.create(x, new Shape(count, PIXELS));
        parts.add(new FixedGradients().compute(batch, y).gradients());
      }
      return projector.project(NDArrays.concat(parts, 0)).toFloatArray();
    }
  }

  private static float[] pixels() {
    Random random = new Random(4);
    float[] v = new float[IMAGES * PIXELS];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return v;
  }

  private static boolean[] labels() {
    boolean[] y = new boolean[IMAGES];
    for (int i = 0; i < IMAGES; i++) {
      y[i] = i % 3 != 0;
    }
    return y;
  }
}
