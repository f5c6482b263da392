package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.Scalars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * TRAK over an ensemble of "subnetwork + probe" models (§2.2 of the paper; TRAK.md).
 *
 * <p>Use: {@link #pseudoLabels} with the designated probe for the training set and the targets;
 * then {@link #addModel} once per ensemble member (featurize the training set and the targets, form
 * the model's kernel, add its score matrix S_m and its Q_m to the running sums); then {@link
 * #finish}, which combines them into τ = (1/M Σ S_m) ⊙ (1/M Σ Q_m) and Eq. (1), the mean of τ over
 * the targets. Training features and score sums live in memory-mapped files under the work
 * directory; the heap holds O(k² + n_targets·k + M·n) numbers and the native heap one batch of
 * gradients (batch × P) plus one projection block.
 *
 * <p>The {@link AttributionMethod} chooses the estimator (TRAK, gradient dot product, gradient
 * cosine, random). Every run also measures its own reliability ({@link Stability}): each model's
 * gradients are projected a second time with an independent seed and the importance recomputed from
 * those features (the replica), and the per-model importances are kept so that the ensemble's two
 * halves can be compared. The replica costs a second projection, kernel and score pass but no
 * second gradient computation.
 */
public final class Trak implements AutoCloseable {
  /** Rows of features or scores read per block while forming kernels and scores. */
  private static final long READ_BLOCK_BYTES = 64 * TrakSpec.MIB;

  private final TrakSpec spec;
  private final AttributionMethod method;
  private final Path workDir;
  private final NDManager manager;
  private final int trainSize;
  private final int targetSize;
  private final FeatureStore scoreSum;
  private final double[] qSum;

  /** Per model: Q_m, and the mean over targets of S_m for the main and the replica features. */
  private final List<double[]> qByModel = new ArrayList<>();

  private final List<double[]> meanScoreByModel = new ArrayList<>();
  private final List<double[]> replicaMeanScoreByModel = new ArrayList<>();

  /** Per model, with R ≥ 2 projections: the mean scores of projections [0, R/2) and [R/2, R). */
  private final List<double[]> firstHalfMeanScoreByModel = new ArrayList<>();

  private final List<double[]> secondHalfMeanScoreByModel = new ArrayList<>();

  /** What {@link #addModel} reported per model (restored ones included), for checkpoints. */
  private final List<ModelReport> reports = new ArrayList<>();

  private long replicaCpuNanos;
  private int models;
  private boolean finished;

  /**
   * @param workDir scratch directory for features and the score accumulator (created)
   * @param trainSize n, images in the featurized (base training) set
   * @param targetSize images in the target set
   */
  public Trak(TrakSpec spec, Path workDir, NDManager manager, int trainSize, int targetSize) {
    this(spec, AttributionMethod.TRAK, workDir, manager, trainSize, targetSize);
  }

  /**
   * @param method the estimator
   * @param workDir scratch directory for features and the score accumulator (created)
   * @param trainSize n, images in the featurized (base training) set
   * @param targetSize images in the target set
   */
  public Trak(
      TrakSpec spec,
      AttributionMethod method,
      Path workDir,
      NDManager manager,
      int trainSize,
      int targetSize) {
    if (trainSize <= 0 || targetSize <= 0) {
      throw new IllegalArgumentException("TRAK needs training and target images");
    }
    this.spec = spec;
    this.method = method;
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

  /**
   * Per-model facts for logs, the cell's metrics and the benchmark.
   *
   * @param featurizeSeconds wall time featurizing the training set (gradients and projections)
   * @param gradientSeconds the part of it spent in per-example gradients
   * @param projectionGenerationSeconds the part spent generating R (or its hashed rows)
   * @param projectionMultiplySeconds the part spent applying R to the gradients
   */
  public record ModelReport(
      int index,
      long parameters,
      int features,
      double lambda,
      double meanAbsKernel,
      double featurizeSeconds,
      double gradientSeconds,
      double projectionGenerationSeconds,
      double projectionMultiplySeconds,
      double trainImagesPerSecond,
      double kernelSeconds,
      double scoreSeconds) {}

  /**
   * @param scores file holding τ, float32 n × n_targets, row-major (raw, no header)
   * @param importance Eq. (1): mean over targets of τ, one per training image
   * @param replicaImportance the same from the second, independent projection
   * @param halfImportance the importance from the first ⌈M/2⌉ models and from the rest (empty with
   *     one model)
   * @param replicaCpuSeconds process CPU time of the replica's projection, kernel and scores
   * @param projectionHalves with R ≥ 2 projections per model: the importance from the first R/2
   *     projections of every model and from the other R/2 (then there is no separate replica, and
   *     {@code replicaImportance} is the second of them); empty with R = 1
   */
  public record Result(
      Path scores,
      int trainSize,
      int targetSize,
      int models,
      double[] importance,
      double[] replicaImportance,
      List<double[]> halfImportance,
      double replicaCpuSeconds,
      List<double[]> projectionHalves) {}

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
    if (!method.featurizes()) {
      return addRandomModel(index);
    }
    PerExampleGradients gradients = PerExampleGradients.batched(model, spec.parameters());
    long p = gradients.dimension();
    int r = projectionsPerModel(spec);
    boolean replicated = replicaProjection(spec, method);
    long[] mainSeeds = new long[r];
    long[] replicaSeeds = new long[r];
    for (int j = 0; j < r; j++) {
      mainSeeds[j] = spec.seedOfModel(index, j);
      replicaSeeds[j] = spec.replicaSeedOfModel(index, j);
    }
    try (Side main = new Side("model-" + index, mainSeeds, p);
        Side replica =
            replicated ? new Side("model-" + index + "-replica", replicaSeeds, p) : null) {
      int k = main.projectors.get(0).outputDim();
      List<Featurizer> trainOuts = new ArrayList<>(main.train);
      List<Featurizer> targetOuts = new ArrayList<>(main.targets);
      if (replica != null) {
        trainOuts.addAll(replica.train);
        targetOuts.addAll(replica.targets);
      }
      // Each projector serves one training and one target featurizer: its times before and after
      // the training set are that set's share.
      long generation0 = generationNanos(trainOuts);
      long multiply0 = multiplyNanos(trainOuts);
      GradientTime gradientTime = new GradientTime();
      long t0 = System.nanoTime();
      float[] margins =
          featurize(
              train,
              trainLabels,
              gradients,
              trainOuts,
              spec.batchSize(),
              spec.gradientBufferBytes(),
              manager,
              gradientTime);
      double featurizeSeconds = (System.nanoTime() - t0) / 1e9;
      double generationSeconds = (generationNanos(trainOuts) - generation0) / 1e9;
      double multiplySeconds = (multiplyNanos(trainOuts) - multiply0) / 1e9;
      featurize(
          targets,
          targetLabels,
          gradients,
          targetOuts,
          spec.batchSize(),
          spec.gradientBufferBytes(),
          manager);
      if (replica != null) {
        replicaCpuNanos += replica.projectionCpuNanos();
      }
      double[] q = new double[trainSize];
      for (int i = 0; i < trainSize; i++) {
        q[i] = method.weightedByQ() ? 1.0 / (1.0 + Math.exp(margins[i])) : 1.0; // σ(−f)
        qSum[i] += q[i];
      }
      qByModel.add(q);
      long t1 = System.nanoTime();
      ScoreTimes times = new ScoreTimes();
      meanScoreByModel.add(scores(main, scoreSum, times));
      if (r >= 2) {
        firstHalfMeanScoreByModel.add(times.firstHalf);
        secondHalfMeanScoreByModel.add(times.secondHalf);
      }
      long t3 = System.nanoTime();
      if (replica != null) {
        long c0 = cpuNanos();
        replicaMeanScoreByModel.add(scores(replica, null, new ScoreTimes()));
        replicaCpuNanos += cpuNanos() - c0;
      } else if (r >= 2) {
        replicaMeanScoreByModel.add(times.secondHalf);
      } else {
        replicaMeanScoreByModel.add(meanScoreByModel.get(meanScoreByModel.size() - 1));
      }
      models++;
      ModelReport report =
          new ModelReport(
              index,
              p,
              k,
              times.lambda,
              times.meanAbs,
              featurizeSeconds,
              gradientTime.nanos / 1e9,
              generationSeconds,
              multiplySeconds,
              trainSize / featurizeSeconds,
              times.kernelNanos / 1e9,
              (t3 - t1 - times.kernelNanos) / 1e9);
      reports.add(report);
      return report;
    }
  }

  /** R, the projections of each model's gradients (1 without projection). */
  static int projectionsPerModel(TrakSpec spec) {
    return spec.projection() == ProjectionKind.NONE ? 1 : spec.projections();
  }

  /**
   * Whether each model's gradients are projected a second time with independent seeds (the
   * stability replica): with one projection only; with R ≥ 2 the two halves of the projections are
   * the independent replicas, at no extra cost.
   */
  static boolean replicaProjection(TrakSpec spec, AttributionMethod method) {
    return method.featurizes()
        && spec.projection() != ProjectionKind.NONE
        && projectionsPerModel(spec) == 1;
  }

  /** Facts of the first projection's kernel, and the time spent in kernels. */
  private static final class ScoreTimes {
    double lambda;
    double meanAbs = 1;
    long kernelNanos;
    double[] firstHalf;
    double[] secondHalf;
  }

  /**
   * Adds the side's scores, averaged over its R projections, into {@code sum} (if not null) and
   * returns the mean over targets of each training row.
   */
  private double[] scores(Side side, FeatureStore sum, ScoreTimes times) {
    int r = side.projectors.size();
    int h = r / 2;
    double[] means = new double[trainSize];
    times.firstHalf = new double[trainSize];
    times.secondHalf = new double[trainSize];
    for (int j = 0; j < r; j++) {
      long k0 = System.nanoTime();
      FeatureStore phi = side.train.get(j).out;
      FeatureStore phiTargets = side.targets.get(j).out;
      Kernel kernel =
          method.usesKernel() ? Kernel.compute(phi, spec.ridge(), manager, READ_BLOCK_BYTES) : null;
      times.kernelNanos += System.nanoTime() - k0;
      if (j == 0 && kernel != null) {
        times.lambda = kernel.lambda();
        times.meanAbs = kernel.meanAbs();
      }
      double[] m = addScores(phi, phiTargets, kernel, scale(kernel) / r, sum);
      double[] half = j < h ? times.firstHalf : times.secondHalf;
      double toHalf = j < h ? r / (double) h : r / (double) (r - h);
      for (int i = 0; i < trainSize; i++) {
        means[i] += m[i];
        half[i] += m[i] * toHalf;
      }
    }
    return means;
  }

  /**
   * R projectors of one model and their training and target features (main run or replica); the
   * feature files are deleted on close.
   */
  private final class Side implements AutoCloseable {
    final List<Projector> projectors = new ArrayList<>();
    final List<Featurizer> train = new ArrayList<>();
    final List<Featurizer> targets = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();

    Side(String name, long[] seeds, long p) {
      try {
        for (int j = 0; j < seeds.length; j++) {
          Projector projector = projector(seeds[j], p);
          projectors.add(projector);
          int k = projector.outputDim();
          Path trainFile = workDir.resolve(name + "-" + j + "-train.f32");
          Path targetFile = workDir.resolve(name + "-" + j + "-targets.f32");
          files.add(trainFile);
          files.add(targetFile);
          train.add(
              new Featurizer(projector, FeatureStore.create(trainFile, k), method.unitRows()));
          targets.add(
              new Featurizer(projector, FeatureStore.create(targetFile, k), method.unitRows()));
        }
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    long projectionCpuNanos() {
      long sum = 0;
      for (Featurizer f : train) {
        sum += f.cpuNanos;
      }
      for (Featurizer f : targets) {
        sum += f.cpuNanos;
      }
      return sum;
    }

    @Override
    public void close() {
      train.forEach(f -> f.out.close());
      targets.forEach(f -> f.out.close());
      projectors.forEach(Projector::close);
      files.forEach(Trak::deleteQuietly);
    }
  }

  private Projector projector(long seed, long p) {
    return Projector.create(
        spec.projection(),
        seed,
        p,
        spec.projectionDim(),
        spec.projectionBlockBytes(),
        spec.projectionCacheBytes(),
        manager);
  }

  /** The kernel's ensemble weight: 1/mean|K| in the reference mode, else 1. */
  private double scale(Kernel kernel) {
    return kernel != null && spec.ensembleMode() == EnsembleMode.TRAKER
        ? 1.0 / kernel.meanAbs()
        : 1.0;
  }

  /** The random floor: seeded uniform τ for the main result, another seed for the replica. */
  private ModelReport addRandomModel(int index) {
    SplittableRandom main = new SplittableRandom(spec.seedOfModel(index));
    SplittableRandom second = new SplittableRandom(spec.replicaSeedOfModel(index));
    double[] mean = new double[trainSize];
    double[] replicaMean = new double[trainSize];
    double[] q = new double[trainSize];
    float[] row = new float[targetSize];
    for (int i = 0; i < trainSize; i++) {
      double sum = 0;
      for (int j = 0; j < targetSize; j++) {
        row[j] = (float) main.nextDouble();
        sum += row[j];
      }
      scoreSum.addRows(i, row, 1);
      mean[i] = sum / targetSize;
      replicaMean[i] = second.nextDouble();
      q[i] = 1.0;
      qSum[i] += 1.0;
    }
    meanScoreByModel.add(mean);
    replicaMeanScoreByModel.add(replicaMean);
    qByModel.add(q);
    models++;
    ModelReport report =
        new ModelReport(index, 0, 0, 0, 1, 0, 0, 0, 0, Double.POSITIVE_INFINITY, 0, 0);
    reports.add(report);
    return report;
  }

  /**
   * The process's CPU time (every thread, native ones included), in nanoseconds: an attribution's
   * cost on a loaded machine, where wall time measures the other processes too.
   */
  public static long processCpuNanos() {
    return cpuNanos();
  }

  private static long cpuNanos() {
    return io.conceptrace.core.engine.ProcessCpu.nanos();
  }

  /** One projector writing into one feature store; counts the CPU time of its projections. */
  static final class Featurizer {
    private final Projector projector;
    final FeatureStore out;
    private final boolean unitRows;
    private long cpuNanos;

    Featurizer(Projector projector, FeatureStore out, boolean unitRows) {
      this.projector = projector;
      this.out = out;
      this.unitRows = unitRows;
    }

    Projector projector() {
      return projector;
    }

    void project(NDArray gradients, int rows) {
      long c0 = cpuNanos();
      NDArray phi = projector.project(gradients);
      if (unitRows) {
        // a zero gradient stays zero (its cosine with anything is defined as 0)
        NDArray norms = Scalars.maximum(phi.norm(new int[] {1}, true), 1e-30f);
        phi = phi.div(norms);
      }
      out.append(phi.toFloatArray(), rows);
      cpuNanos += cpuNanos() - c0;
    }
  }

  /**
   * Writes projected gradients of every example through each of {@code outs}; returns the margins.
   * Gradients of consecutive batches are gathered up to {@code bufferBytes} and projected in one
   * call.
   */
  static float[] featurize(
      BatchSource inputs,
      boolean[] labels,
      PerExampleGradients gradients,
      List<Featurizer> outs,
      int batchSize,
      long bufferBytes,
      NDManager root) {
    return featurize(
        inputs, labels, gradients, outs, batchSize, bufferBytes, root, new GradientTime());
  }

  private static long generationNanos(List<Featurizer> outs) {
    return outs.stream().mapToLong(f -> f.projector().generationNanos()).sum();
  }

  private static long multiplyNanos(List<Featurizer> outs) {
    return outs.stream().mapToLong(f -> f.projector().multiplyNanos()).sum();
  }

  /** Wall time spent computing per-example gradients (the benchmark's breakdown). */
  static final class GradientTime {
    long nanos;
  }

  /** As above, adding the time spent in per-example gradients to {@code time}. */
  static float[] featurize(
      BatchSource inputs,
      boolean[] labels,
      PerExampleGradients gradients,
      List<Featurizer> outs,
      int batchSize,
      long bufferBytes,
      NDManager root,
      GradientTime time) {
    float[] margins = new float[inputs.size()];
    int chunk = TrakMemory.chunkExamples(gradients.dimension(), batchSize, bufferBytes);
    for (int chunkStart = 0; chunkStart < inputs.size(); chunkStart += chunk) {
      int chunkEnd = Math.min(inputs.size(), chunkStart + chunk);
      try (NDManager scope = root.newSubManager()) {
        int rows = chunkEnd - chunkStart;
        // Each batch's gradients are copied into the chunk's [rows, P] array and freed at once,
        // so the chunk is held once plus one batch, not twice (every batch and then their
        // concatenation, which doubled an attribute cell's peak). Same values, same matmul.
        NDArray g = null;
        for (int start = chunkStart; start < chunkEnd; start += batchSize) {
          int count = Math.min(batchSize, chunkEnd - start);
          boolean[] y = new boolean[count];
          System.arraycopy(labels, start, y, 0, count);
          try (NDManager batch = scope.newSubManager()) {
            NDArray x = inputs.batch(start, count, batch);
            long g0 = System.nanoTime();
            PerExampleGradients.Result r = gradients.compute(x, y);
            time.nanos += System.nanoTime() - g0;
            NDArray part = r.gradients();
            if (count == rows) {
              part.attach(scope);
              g = part;
            } else {
              if (g == null) {
                g = scope.zeros(new Shape(rows, part.getShape().get(1)), part.getDataType());
              }
              int at = start - chunkStart;
              g.set(new NDIndex("{}:{}", at, at + count), part);
              part.close();
            }
            System.arraycopy(r.margins(), 0, margins, start, count);
          }
        }
        for (Featurizer out : outs) {
          out.project(g, chunkEnd - chunkStart);
        }
      }
    }
    return margins;
  }

  /**
   * {@code sum} += scale · Φ K Φ_tᵀ (K = I when {@code kernel} is null), block by block over the
   * training rows, in float64; returns the mean over targets of each training row of the product.
   * With a null {@code sum} only the means are computed, through Φ (K Φ_tᵀ 1) / n_t.
   */
  private double[] addScores(
      FeatureStore phi, FeatureStore phiTargets, Kernel kernel, double scale, FeatureStore sum) {
    int k = phiTargets.cols();
    double[] means = new double[trainSize];
    try (NDManager scope = manager.newSubManager()) {
      NDArray targetsT =
          scope
              .create(phiTargets.readRows(0, targetSize), new Shape(targetSize, k))
              .toType(DataType.FLOAT64, false)
              .transpose();
      NDArray a =
          kernel == null
              ? Scalars.mul(targetsT, scale)
              : kernel.toNDArray(scope, scale).matMul(targetsT); // k × n_t
      if (sum == null) {
        a = a.mean(new int[] {1}, true); // k × 1
      }
      int block = phi.rowsPerBlock(READ_BLOCK_BYTES);
      if (sum != null) {
        block = Math.min(block, sum.rowsPerBlock(READ_BLOCK_BYTES));
      }
      block = Math.max(1, block);
      for (long start = 0; start < trainSize; start += block) {
        int count = (int) Math.min(block, trainSize - start);
        try (NDManager batch = scope.newSubManager()) {
          NDArray rows =
              batch
                  .create(phi.readRows(start, count), new Shape(count, k))
                  .toType(DataType.FLOAT64, false);
          NDArray product = rows.matMul(a);
          double[] m = (sum == null ? product : product.mean(new int[] {1})).toDoubleArray();
          System.arraycopy(m, 0, means, (int) start, count);
          if (sum != null) {
            float[] s = product.toType(DataType.FLOAT32, false).toFloatArray();
            sum.addRows(start, s, count);
          }
        }
      }
    }
    return means;
  }

  /** How many models have been added (or restored from a checkpoint). */
  public int models() {
    return models;
  }

  /**
   * Keeps what the models added so far contributed in {@code area} (a file {@code model-MMMM.ckpt}
   * with its SHA-256; older checkpoints there are deleted), so that {@link #resume} in a later
   * process continues after the last of them with the same final bytes. Costs one write of the n ×
   * n_targets score sum plus five doubles per training image and model.
   *
   * @param key what the state depends on beyond this attribution's settings and sizes (the cell,
   *     its inputs, the software); a checkpoint is resumed only under the same key
   * @return the checkpoint file
   */
  public Path checkpoint(Path area, String key) {
    if (finished || models == 0) {
      throw new IllegalStateException("a checkpoint needs added models and no finish()");
    }
    List<TrakCheckpoint.Model> state = new ArrayList<>(models);
    for (int m = 0; m < models; m++) {
      boolean halves = !firstHalfMeanScoreByModel.isEmpty();
      state.add(
          new TrakCheckpoint.Model(
              qByModel.get(m),
              meanScoreByModel.get(m),
              replicaMeanScoreByModel.get(m),
              halves ? firstHalfMeanScoreByModel.get(m) : null,
              halves ? secondHalfMeanScoreByModel.get(m) : null,
              reports.get(m)));
    }
    return TrakCheckpoint.write(
        area,
        new TrakCheckpoint.State(
            fullKey(key), trainSize, targetSize, replicaCpuNanos, qSum, List.copyOf(state)),
        scoreSum,
        READ_BLOCK_BYTES);
  }

  /**
   * Restores the newest valid checkpoint in {@code area} written under the same key, settings and
   * sizes (see {@link #checkpoint}); a checkpoint whose checksum fails, or that was written for
   * something else, is deleted, never trusted. Call before any {@link #addModel}; then add the
   * models from index {@link #models()} on.
   *
   * @return the reports of the restored models, in order; empty if nothing was restored
   */
  public List<ModelReport> resume(Path area, String key) {
    if (finished || models != 0) {
      throw new IllegalStateException("resume() must come before the first addModel()");
    }
    Optional<TrakCheckpoint.State> found =
        TrakCheckpoint.readLatest(area, fullKey(key), trainSize, targetSize, scoreSum);
    if (found.isEmpty()) {
      return List.of();
    }
    TrakCheckpoint.State state = found.get();
    System.arraycopy(state.qSum(), 0, qSum, 0, trainSize);
    replicaCpuNanos = state.replicaCpuNanos();
    for (TrakCheckpoint.Model m : state.models()) {
      qByModel.add(m.q());
      meanScoreByModel.add(m.meanScore());
      replicaMeanScoreByModel.add(m.replicaMeanScore());
      if (m.firstHalf() != null) {
        firstHalfMeanScoreByModel.add(m.firstHalf());
        secondHalfMeanScoreByModel.add(m.secondHalf());
      }
      reports.add(m.report());
    }
    models = state.models().size();
    return List.copyOf(reports);
  }

  /** The caller's key with everything of this attribution that shapes its state. */
  private String fullKey(String key) {
    return key + "|" + method.word() + "|" + spec + "|" + trainSize + "x" + targetSize;
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
    List<double[]> halves = new ArrayList<>();
    if (models >= 2) {
      int firstHalf = (models + 1) / 2;
      halves.add(combine(0, firstHalf, meanScoreByModel));
      halves.add(combine(firstHalf, models, meanScoreByModel));
    }
    return new Result(
        scoreSum.file(),
        trainSize,
        targetSize,
        models,
        importance,
        replicated() ? combine(0, models, replicaMeanScoreByModel) : importance.clone(),
        List.copyOf(halves),
        replicaCpuNanos / 1e9,
        firstHalfMeanScoreByModel.isEmpty()
            ? List.of()
            : List.of(
                combine(0, models, firstHalfMeanScoreByModel),
                combine(0, models, secondHalfMeanScoreByModel)));
  }

  /** Whether the replica differs from the main run (no projection: nothing random to redraw). */
  private boolean replicated() {
    return !method.featurizes() || spec.projection() != ProjectionKind.NONE;
  }

  /** Eq. (1) from models [from, to): mean Q times the mean of the per-model mean scores. */
  private double[] combine(int from, int to, List<double[]> meanScores) {
    double[] out = new double[trainSize];
    int count = to - from;
    for (int i = 0; i < trainSize; i++) {
      double q = 0;
      double s = 0;
      for (int m = from; m < to; m++) {
        q += qByModel.get(m)[i];
        s += meanScores.get(m)[i];
      }
      out[i] = (q / count) * (s / count);
    }
    return out;
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
