package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TRAK over an ensemble of "subnetwork + probe" models (§2.2 of the paper; TRAK.md).
 *
 * <p>Use: {@link #pseudoLabels} with the designated probe for the training set and the targets;
 * then {@link #addModel} once per ensemble member (featurize the training set and the targets, form
 * the model's kernel, add its score matrix S_m and its Q_m to the running sums); then {@link
 * #finish}, which combines them into τ = (1/M Σ S_m) ⊙ (1/M Σ Q_m) and Eq. (1), the mean of τ over
 * the targets. Training features and score sums live in memory-mapped files under the work
 * directory; the heap holds O(k² + n_targets·k + n) numbers and the native heap one batch of
 * gradients (batch × P) plus one projection block.
 */
public final class Trak implements AutoCloseable {
  /** Rows of features or scores read per block while forming kernels and scores. */
  private static final long READ_BLOCK_BYTES = 64 * TrakSpec.MIB;

  private final TrakSpec spec;
  private final Path workDir;
  private final NDManager manager;
  private final int trainSize;
  private final int targetSize;
  private final FeatureStore scoreSum;
  private final double[] qSum;
  private int models;
  private boolean finished;

  /**
   * @param workDir scratch directory for features and the score accumulator (created)
   * @param trainSize n, images in the featurized (base training) set
   * @param targetSize images in the target set
   */
  public Trak(TrakSpec spec, Path workDir, NDManager manager, int trainSize, int targetSize) {
    if (trainSize <= 0 || targetSize <= 0) {
      throw new IllegalArgumentException("TRAK needs training and target images");
    }
    this.spec = spec;
    this.workDir = workDir;
    this.manager = manager;
    this.trainSize = trainSize;
    this.targetSize = targetSize;
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + workDir, e);
    }
    this.scoreSum = FeatureStore.zeros(workDir.resolve("tau.f32"), trainSize, targetSize);
    this.qSum = new double[trainSize];
  }

  /** Per-model facts for logs and the benchmark. */
  public record ModelReport(
      int index,
      long parameters,
      int features,
      double lambda,
      double meanAbsKernel,
      double featurizeSeconds,
      double trainImagesPerSecond,
      double kernelSeconds,
      double scoreSeconds) {}

  /**
   * @param scores file holding τ, float32 n × n_targets, row-major (raw, no header)
   * @param importance Eq. (1): mean over targets of τ, one per training image
   */
  public record Result(
      Path scores, int trainSize, int targetSize, int models, double[] importance) {}

  /** y = 1[s(x) > 0] of the designated probe (the paper's pseudo-labels). */
  public static boolean[] pseudoLabels(
      ConceptModel designated, BatchSource inputs, int batchSize, NDManager manager) {
    boolean[] labels = new boolean[inputs.size()];
    for (int start = 0; start < inputs.size(); start += batchSize) {
      int count = Math.min(batchSize, inputs.size() - start);
      try (NDManager scope = manager.newSubManager()) {
        float[] s = designated.logits(inputs.batch(start, count, scope));
        for (int i = 0; i < count; i++) {
          labels[start + i] = s[i] > 0;
        }
      }
    }
    return labels;
  }

  /**
   * Featurizes one ensemble member and adds its scores.
   *
   * @param index m, 0-based; selects the member's projection seed
   */
  public ModelReport addModel(
      int index,
      ConceptModel model,
      BatchSource train,
      boolean[] trainLabels,
      BatchSource targets,
      boolean[] targetLabels) {
    if (finished) {
      throw new IllegalStateException("models cannot be added after finish()");
    }
    check(train.size() == trainSize && trainLabels.length == trainSize, "training set size");
    check(targets.size() == targetSize && targetLabels.length == targetSize, "target set size");
    PerExampleGradients gradients = PerExampleGradients.batched(model, spec.parameters());
    long p = gradients.dimension();
    try (Projector projector =
        Projector.create(
            spec.projection(),
            spec.seedOfModel(index),
            p,
            spec.projectionDim(),
            spec.projectionBlockBytes(),
            spec.projectionCacheBytes(),
            manager)) {
      int k = projector.outputDim();
      Path trainFile = workDir.resolve("model-" + index + "-train.f32");
      Path targetFile = workDir.resolve("model-" + index + "-targets.f32");
      long t0 = System.nanoTime();
      try (FeatureStore phi = FeatureStore.create(trainFile, k);
          FeatureStore phiTargets = FeatureStore.create(targetFile, k)) {
        float[] margins =
            featurize(
                train,
                trainLabels,
                gradients,
                projector,
                phi,
                spec.batchSize(),
                spec.gradientBufferBytes(),
                manager);
        double featurizeSeconds = (System.nanoTime() - t0) / 1e9;
        featurize(
            targets,
            targetLabels,
            gradients,
            projector,
            phiTargets,
            spec.batchSize(),
            spec.gradientBufferBytes(),
            manager);
        for (int i = 0; i < trainSize; i++) {
          qSum[i] += 1.0 / (1.0 + Math.exp(margins[i])); // 1 − σ(f) = σ(−f)
        }
        long t1 = System.nanoTime();
        Kernel kernel = Kernel.compute(phi, spec.ridge(), manager, READ_BLOCK_BYTES);
        double meanAbs = kernel.meanAbs();
        long t2 = System.nanoTime();
        double scale = spec.ensembleMode() == EnsembleMode.TRAKER ? 1.0 / meanAbs : 1.0;
        addScores(phi, phiTargets, kernel, scale);
        long t3 = System.nanoTime();
        models++;
        return new ModelReport(
            index,
            p,
            k,
            kernel.lambda(),
            meanAbs,
            featurizeSeconds,
            trainSize / featurizeSeconds,
            (t2 - t1) / 1e9,
            (t3 - t2) / 1e9);
      } finally {
        deleteQuietly(trainFile);
        deleteQuietly(targetFile);
      }
    }
  }

  /**
   * Writes projected gradients of every example to {@code out}; returns the margins. Gradients of
   * consecutive batches are gathered up to {@code bufferBytes} and projected in one call.
   */
  static float[] featurize(
      BatchSource inputs,
      boolean[] labels,
      PerExampleGradients gradients,
      Projector projector,
      FeatureStore out,
      int batchSize,
      long bufferBytes,
      NDManager root) {
    float[] margins = new float[inputs.size()];
    int chunk = TrakMemory.chunkExamples(gradients.dimension(), batchSize, bufferBytes);
    for (int chunkStart = 0; chunkStart < inputs.size(); chunkStart += chunk) {
      int chunkEnd = Math.min(inputs.size(), chunkStart + chunk);
      try (NDManager scope = root.newSubManager()) {
        NDList parts = new NDList();
        for (int start = chunkStart; start < chunkEnd; start += batchSize) {
          int count = Math.min(batchSize, chunkEnd - start);
          boolean[] y = new boolean[count];
          System.arraycopy(labels, start, y, 0, count);
          try (NDManager batch = scope.newSubManager()) {
            PerExampleGradients.Result r = gradients.compute(inputs.batch(start, count, batch), y);
            r.gradients().attach(scope);
            parts.add(r.gradients());
            System.arraycopy(r.margins(), 0, margins, start, count);
          }
        }
        NDArray g = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
        NDArray phi = projector.project(g);
        out.append(phi.toFloatArray(), chunkEnd - chunkStart);
      }
    }
    return margins;
  }

  /** scoreSum += scale · Φ K Φ_tᵀ, block by block over the training rows, in float64. */
  private void addScores(FeatureStore phi, FeatureStore phiTargets, Kernel kernel, double scale) {
    int k = kernel.dim();
    try (NDManager scope = manager.newSubManager()) {
      NDArray targetsT =
          scope
              .create(phiTargets.readRows(0, targetSize), new Shape(targetSize, k))
              .toType(DataType.FLOAT64, false)
              .transpose();
      NDArray a = kernel.toNDArray(scope, scale).matMul(targetsT); // k × n_t
      int block =
          Math.max(
              1,
              Math.min(
                  phi.rowsPerBlock(READ_BLOCK_BYTES), scoreSum.rowsPerBlock(READ_BLOCK_BYTES)));
      for (long start = 0; start < trainSize; start += block) {
        int count = (int) Math.min(block, trainSize - start);
        try (NDManager batch = scope.newSubManager()) {
          NDArray rows =
              batch
                  .create(phi.readRows(start, count), new Shape(count, k))
                  .toType(DataType.FLOAT64, false);
          float[] s = rows.matMul(a).toType(DataType.FLOAT32, false).toFloatArray();
          scoreSum.addRows(start, s, count);
        }
      }
    }
  }

  /** Combines the models: τ = mean S ⊙ mean Q (per training row), and Eq. (1). */
  public Result finish() {
    if (finished) {
      throw new IllegalStateException("finish() was already called");
    }
    if (models == 0) {
      throw new IllegalStateException("no model was added");
    }
    double[] importance = new double[trainSize];
    int block = scoreSum.rowsPerBlock(READ_BLOCK_BYTES);
    for (long start = 0; start < trainSize; start += block) {
      int count = (int) Math.min(block, trainSize - start);
      float[] rows = scoreSum.readRows(start, count);
      for (int r = 0; r < count; r++) {
        int i = (int) (start + r);
        double factor = (qSum[i] / models) / models;
        double sum = 0;
        for (int j = 0; j < targetSize; j++) {
          float tau = (float) (rows[r * targetSize + j] * factor);
          rows[r * targetSize + j] = tau;
          sum += tau;
        }
        importance[i] = sum / targetSize;
      }
      scoreSum.writeRows(start, rows, count);
    }
    scoreSum.close();
    finished = true;
    return new Result(scoreSum.file(), trainSize, targetSize, models, importance);
  }

  /** ±1 per label: the sign (2y − 1) of the output function. */
  static float[] signs(boolean[] labels) {
    float[] s = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      s[i] = labels[i] ? 1f : -1f;
    }
    return s;
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("TRAK: inconsistent " + what);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // scratch files; the work directory is temporary anyway
    }
  }

  @Override
  public void close() {
    if (!finished) {
      scoreSum.close();
    }
  }
}
