package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.engine.ProcessCpu;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.core.nn.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Measurements behind {@code ctrace bench trak}: dense matmul GFLOP/s as the machine's yardstick,
 * the projection's GFLOP/s (matrix cached, and regenerated per call as for large P), the
 * featurization throughput of one network probed at one layer with a study's attribution settings
 * (training images per wall second and per CPU-second, and the shares of its time in per-example
 * gradients, projection-matrix generation and the projection matmul), the speed-up of batched
 * per-example gradients over the batch-of-1 loop, and the process's peak resident memory. Inputs
 * are random images: throughput does not depend on the pixels.
 */
public final class TrakBenchmark {
  private TrakBenchmark() {}

  /**
   * A network probed at a layer, the unit whose featurization is timed.
   *
   * @param pooled whether the probe reads globally pooled activations (else flattened)
   */
  public record Case(String label, ArchitectureSpec arch, String layer, boolean pooled) {}

  /**
   * @param images training images featurized
   * @param loopImages images for the loop-vs-batched comparison (the loop is slow)
   * @param spec the attribution settings, as an attribute cell receives them
   * @param method the estimator (its featurization: unit rows for cosine); it must featurize
   * @param target the network and layer
   * @param matmulSize n of the n³ dense matmul yardstick (2048)
   * @param projectionParams P of the stand-alone projection measurement (131072)
   */
  public record Options(
      int images,
      int loopImages,
      TrakSpec spec,
      AttributionMethod method,
      Case target,
      int matmulSize,
      long projectionParams) {
    public Options {
      if (!method.featurizes()) {
        throw new IllegalArgumentException(method.word() + " computes no features to time");
      }
    }
  }

  /**
   * One featurization of the training images, as {@link Trak#addModel} does it: every projection of
   * the model (R, plus the stability replica when R = 1) from the same gradients.
   *
   * @param projections projections per image (R, or 2 with the replica)
   * @param seconds wall time of the featurization
   * @param cpuSeconds the process's CPU time over it (all threads)
   * @param gradientSeconds wall time in per-example gradients
   * @param generationSeconds wall time generating projection-matrix entries
   * @param multiplySeconds wall time in the projection matmul
   */
  public record Featurization(
      String label,
      long parameters,
      int projectionDim,
      int projections,
      int images,
      double seconds,
      double cpuSeconds,
      double gradientSeconds,
      double generationSeconds,
      double multiplySeconds,
      double batchedExamplesPerSecond,
      double loopExamplesPerSecond) {
    public double imagesPerSecond() {
      return images / seconds;
    }

    public double imagesPerCpuSecond() {
      return images / cpuSeconds;
    }

    /** Share of the featurization's wall time in per-example gradients, in percent. */
    public double gradientPercent() {
      return 100 * gradientSeconds / seconds;
    }

    public double generationPercent() {
      return 100 * generationSeconds / seconds;
    }

    public double multiplyPercent() {
      return 100 * multiplySeconds / seconds;
    }

    /** The rest: writing features, gathering batches, norms for unit rows. */
    public double otherPercent() {
      return Math.max(0, 100 - gradientPercent() - generationPercent() - multiplyPercent());
    }

    public double speedUp() {
      return batchedExamplesPerSecond / loopExamplesPerSecond;
    }
  }

  /**
   * @param projectionKind the spec's projection (NONE: no projection measurement, NaN rates)
   */
  public record Report(
      double matmulGflops,
      int matmulSize,
      ProjectionKind projectionKind,
      long projectionP,
      int projectionK,
      int projectionRows,
      double projectionCachedGflops,
      double projectionRegeneratedGflops,
      Featurization featurization,
      long peakRssBytes) {}

  public static Report run(Options options, NDManager manager, Consumer<String> progress) {
    int n = options.matmulSize();
    progress.accept("dense matmul " + n + "^3 fp32 ...");
    double matmul = matmulGflops(manager, n);
    progress.accept(String.format("  %.1f GFLOP/s", matmul));

    TrakSpec spec = options.spec();
    long p = options.projectionParams();
    int rows = 256;
    int k = spec.projectionDim();
    double cached = Double.NaN;
    double regenerated = Double.NaN;
    if (spec.projection() != ProjectionKind.NONE) {
      progress.accept(String.format("projection P=%d -> k=%d, %d rows ...", p, k, rows));
      cached = projectionGflops(manager, spec.projection(), p, k, rows, true);
      regenerated = projectionGflops(manager, spec.projection(), p, k, rows, false);
      progress.accept(
          String.format("  cached %.1f GFLOP/s, regenerated %.1f GFLOP/s", cached, regenerated));
    }

    Case c = options.target();
    progress.accept("featurize " + c.label() + " ...");
    Featurization f = featurization(options, manager);
    progress.accept(
        String.format(
            "  P=%d: %.1f images/s; gradients batched %.1f/s vs loop %.1f/s (%.1fx)",
            f.parameters(),
            f.imagesPerSecond(),
            f.batchedExamplesPerSecond(),
            f.loopExamplesPerSecond(),
            f.speedUp()));
    return new Report(
        matmul, n, spec.projection(), p, k, rows, cached, regenerated, f, peakRssBytes());
  }

  /** Best of three timed 2n³-flop products after one warm-up. */
  static double matmulGflops(NDManager manager, int n) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray a = scope.randomNormal(new Shape(n, n));
      NDArray b = scope.randomNormal(new Shape(n, n));
      a.matMul(b).close();
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        NDArray c = a.matMul(b);
        c.toFloatArray(); // force completion (lazy on GPU)
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        c.close();
      }
      return 2.0 * n * n * n / best / 1e9;
    }
  }

  /** Useful flops (2·rows·P·k) per second of {@link Projector#project}, best of three. */
  static double projectionGflops(
      NDManager manager, ProjectionKind kind, long p, int k, int rows, boolean cache) {
    try (NDManager scope = manager.newSubManager();
        Projector projector =
            Projector.create(kind, 1, p, k, 256L << 20, cache ? Long.MAX_VALUE : 0, scope)) {
      NDArray g = scope.randomNormal(new Shape(rows, p));
      projector.project(g).close(); // warm-up (and fills the cache)
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        NDArray phi = projector.project(g);
        phi.toFloatArray();
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        phi.close();
      }
      return 2.0 * rows * p * k / best / 1e9;
    }
  }

  static Featurization featurization(Options options, NDManager manager) {
    Case c = options.target();
    TrakSpec spec = options.spec();
    try (NDManager scope = manager.newSubManager()) {
      Network network = Network.create(c.arch(), scope, 1);
      NetworkSubnetwork sub = new NetworkSubnetwork(network, c.layer());
      LayerInfo layer =
          io.conceptrace.core.nn.LayerCatalog.find(c.arch(), c.layer())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(c.arch().name() + " has no layer " + c.layer()));
      int width = c.pooled() ? layer.channels() : (int) layer.flatSize();
      Random random = new Random(1);
      float[] w = new float[width];
      for (int i = 0; i < width; i++) {
        w[i] = (float) (random.nextGaussian() / Math.sqrt(width));
      }
      ConceptModel model = new ConceptModel(c.label(), sub, new ProbeHead(w, 0f, c.pooled()));
      int side = c.arch().imageSize();
      int channels = c.arch().inputChannels();
      int per = channels * side * side;
      float[] pixels = new float[options.images() * per];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = (float) random.nextGaussian();
      }
      BatchSource inputs = BatchSource.ofRows(pixels, channels, side, side);
      boolean[] labels = new boolean[options.images()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = random.nextBoolean();
      }
      PerExampleGradients batched = PerExampleGradients.batched(model, spec.parameters());
      // The projections of model 0 as Trak.addModel makes them: R, or one plus the replica.
      int r = Trak.projectionsPerModel(spec);
      List<Long> seeds = new ArrayList<>();
      for (int j = 0; j < r; j++) {
        seeds.add(spec.seedOfModel(0, j));
      }
      if (Trak.replicaProjection(spec, options.method())) {
        seeds.add(spec.replicaSeedOfModel(0, 0));
      }
      Path dir = Files.createTempDirectory("ctrace-bench-trak");
      List<Projector> projectors = new ArrayList<>();
      List<Trak.Featurizer> outs = new ArrayList<>();
      double seconds;
      double cpuSeconds;
      Trak.GradientTime gradientTime = new Trak.GradientTime();
      long generation = 0;
      long multiply = 0;
      int k;
      try {
        for (int j = 0; j < seeds.size(); j++) {
          Projector projector =
              Projector.create(
                  spec.projection(),
                  seeds.get(j),
                  batched.dimension(),
                  spec.projectionDim(),
                  spec.projectionBlockBytes(),
                  spec.projectionCacheBytes(),
                  scope);
          projectors.add(projector);
          outs.add(
              new Trak.Featurizer(
                  projector,
                  FeatureStore.create(dir.resolve("phi-" + j + ".f32"), projector.outputDim()),
                  options.method().unitRows()));
        }
        k = projectors.get(0).outputDim();
        long c0 = ProcessCpu.nanos();
        long t0 = System.nanoTime();
        Trak.featurize(
            inputs,
            labels,
            batched,
            outs,
            spec.batchSize(),
            spec.gradientBufferBytes(),
            scope,
            gradientTime);
        seconds = (System.nanoTime() - t0) / 1e9;
        cpuSeconds = (ProcessCpu.nanos() - c0) / 1e9;
        for (Projector projector : projectors) {
          generation += projector.generationNanos();
          multiply += projector.multiplyNanos();
        }
      } finally {
        outs.forEach(o -> o.out.close());
        projectors.forEach(Projector::close);
        try (Stream<Path> files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(dir);
      }
      int m = Math.min(options.loopImages(), options.images());
      boolean[] y = new boolean[m];
      System.arraycopy(labels, 0, y, 0, m);
      double batchedRate = gradientRate(batched, inputs, y, scope);
      double loopRate =
          gradientRate(PerExampleGradients.loop(model, spec.parameters()), inputs, y, scope);
      return new Featurization(
          c.label(),
          batched.dimension(),
          k,
          seeds.size(),
          options.images(),
          seconds,
          cpuSeconds,
          gradientTime.nanos / 1e9,
          generation / 1e9,
          multiply / 1e9,
          batchedRate,
          loopRate);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Examples per second of a gradient computation over {@code labels.length} examples: best of
   * three after a warm-up at the same batch shape (on a shared machine the best run is the one
   * least disturbed by other processes).
   */
  private static double gradientRate(
      PerExampleGradients g, BatchSource inputs, boolean[] labels, NDManager manager) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = inputs.batch(0, labels.length, scope);
      double best = Double.MAX_VALUE;
      for (int round = 0; round < 4; round++) {
        try (NDManager r = scope.newSubManager()) {
          NDArray xr = x.duplicate();
          xr.attach(r);
          long t0 = System.nanoTime();
          g.compute(xr, labels).gradients().sum().getFloat(); // forces the computation
          double seconds = (System.nanoTime() - t0) / 1e9;
          if (round > 0) {
            best = Math.min(best, seconds);
          }
        }
      }
      return labels.length / best;
    }
  }

  /** VmHWM of /proc/self/status in bytes, or -1 where there is no /proc. */
  public static long peakRssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
