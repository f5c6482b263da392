package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measurements behind {@code ctrace bench trak}: dense matmul GFLOP/s as the machine's yardstick,
 * the projection's GFLOP/s (matrix cached, and regenerated per call as for large P), featurization
 * throughput (training images/s) of whole networks, the speed-up of batched per-example gradients
 * over the batch-of-1 loop, and the process's peak resident memory. Inputs are random images:
 * throughput does not depend on the pixels.
 */
public final class TrakBenchmark {
  private TrakBenchmark() {}

  /** A network probed at a layer, the unit whose featurization is timed. */
  public record Case(String label, ArchitectureSpec arch, String layer) {}

  /**
   * @param images training images featurized per case
   * @param loopImages images for the loop-vs-batched comparison (the loop is slow)
   * @param projectionDim k
   * @param batchSize gradient batch
   * @param cases the networks
   * @param matmulSize n of the n³ dense matmul yardstick (2048)
   * @param projectionParams P of the stand-alone projection measurement (131072)
   */
  public record Options(
      int images,
      int loopImages,
      int projectionDim,
      int batchSize,
      List<Case> cases,
      int matmulSize,
      long projectionParams) {}

  public record Featurization(
      String label,
      long parameters,
      int images,
      double seconds,
      double imagesPerSecond,
      double batchedExamplesPerSecond,
      double loopExamplesPerSecond) {
    public double speedUp() {
      return batchedExamplesPerSecond / loopExamplesPerSecond;
    }
  }

  public record Report(
      double matmulGflops,
      int matmulSize,
      long projectionP,
      int projectionK,
      int projectionRows,
      double projectionCachedGflops,
      double projectionRegeneratedGflops,
      List<Featurization> featurizations,
      long peakRssBytes) {}

  /** The default cases: the quickstart-sized network and ResNet-18 (small stem) to layer3. */
  public static List<Case> defaultCases() {
    return List.of(
        new Case(
            "quickstart (small-cnn w1, 32x32, layer3)",
            new ArchitectureSpec("small-cnn", 1.0, true, 3, 32, 10),
            "layer3"),
        new Case(
            "resnet18 small stem w1, 32x32, layer3",
            new ArchitectureSpec("resnet18", 1.0, true, 3, 32, 10),
            "layer3"));
  }

  public static Report run(Options options, NDManager manager, Consumer<String> progress) {
    int n = options.matmulSize();
    progress.accept("dense matmul " + n + "^3 fp32 ...");
    double matmul = matmulGflops(manager, n);
    progress.accept(String.format("  %.1f GFLOP/s", matmul));

    long p = options.projectionParams();
    int rows = 256;
    int k = options.projectionDim();
    progress.accept(String.format("projection P=%d -> k=%d, %d rows ...", p, k, rows));
    double cached = projectionGflops(manager, p, k, rows, true);
    double regenerated = projectionGflops(manager, p, k, rows, false);
    progress.accept(
        String.format("  cached %.1f GFLOP/s, regenerated %.1f GFLOP/s", cached, regenerated));

    List<Featurization> results = new ArrayList<>();
    for (Case c : options.cases()) {
      progress.accept("featurize " + c.label() + " ...");
      Featurization f = featurization(c, options, manager);
      progress.accept(
          String.format(
              "  P=%d: %.1f images/s; gradients batched %.1f/s vs loop %.1f/s (%.1fx)",
              f.parameters(),
              f.imagesPerSecond(),
              f.batchedExamplesPerSecond(),
              f.loopExamplesPerSecond(),
              f.speedUp()));
      results.add(f);
    }
    return new Report(matmul, n, p, k, rows, cached, regenerated, results, peakRssBytes());
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
  static double projectionGflops(NDManager manager, long p, int k, int rows, boolean cache) {
    try (NDManager scope = manager.newSubManager();
        Projector projector =
            Projector.create(
                ProjectionKind.RADEMACHER,
                1,
                p,
                k,
                256L << 20,
                cache ? Long.MAX_VALUE : 0,
                scope)) {
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

  static Featurization featurization(Case c, Options options, NDManager manager) {
    try (NDManager scope = manager.newSubManager()) {
      Network network = Network.create(c.arch(), scope, 1);
      NetworkSubnetwork sub = new NetworkSubnetwork(network, c.layer());
      int width =
          (int)
              io.conceptrace.core.nn.LayerCatalog.find(c.arch(), c.layer())
                  .orElseThrow()
                  .flatSize();
      Random random = new Random(1);
      float[] w = new float[width];
      for (int i = 0; i < width; i++) {
        w[i] = (float) (random.nextGaussian() / Math.sqrt(width));
      }
      ConceptModel model = new ConceptModel(c.label(), sub, new ProbeHead(w, 0f, false));
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
      TrakSpec spec = TrakSpec.defaults(options.projectionDim()).withBatchSize(options.batchSize());
      PerExampleGradients batched = PerExampleGradients.batched(model, spec.parameters());
      Path dir = Files.createTempDirectory("ctrace-bench-trak");
      double seconds;
      try (Projector projector =
              Projector.create(
                  spec.projection(),
                  1,
                  batched.dimension(),
                  spec.projectionDim(),
                  spec.projectionBlockBytes(),
                  spec.projectionCacheBytes(),
                  scope);
          FeatureStore store = FeatureStore.create(dir.resolve("phi.f32"), projector.outputDim())) {
        long t0 = System.nanoTime();
        Trak.featurize(
            inputs,
            labels,
            batched,
            List.of(new Trak.Featurizer(projector, store, false)),
            spec.batchSize(),
            spec.gradientBufferBytes(),
            scope);
        seconds = (System.nanoTime() - t0) / 1e9;
      } finally {
        Files.deleteIfExists(dir.resolve("phi.f32"));
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
          options.images(),
          seconds,
          options.images() / seconds,
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
