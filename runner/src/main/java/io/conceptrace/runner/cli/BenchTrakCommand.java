package io.conceptrace.runner.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.trak.TrakBenchmark;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ctrace bench trak}: how fast attribution runs on this machine. */
@Command(
    name = "trak",
    mixinStandardHelpOptions = true,
    description = {
      "Measure TRAK: dense matmul and projection GFLOP/s, featurization throughput (training"
          + " images/s) for the quickstart network and ResNet-18 (small stem) up to layer3 at"
          + " 32x32, batched vs batch-of-1 per-example gradients, and peak resident memory.",
      "Numbers depend on what else runs on the machine; run it on an idle one."
    })
final class BenchTrakCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin EngineSelection engineSelection;

  @Option(
      names = "--images",
      paramLabel = "N",
      defaultValue = "128",
      description = "Training images featurized per network (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--loop-images",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "Images for the batched-vs-loop gradient comparison (default: ${DEFAULT-VALUE}).")
  int loopImages;

  @Option(
      names = {"-k", "--projection-dim"},
      paramLabel = "K",
      defaultValue = "512",
      description =
          "Projection dimension (default: ${DEFAULT-VALUE}, a study's attribution.projection-dim).")
  int projectionDim;

  @Option(
      names = "--batch",
      paramLabel = "B",
      defaultValue = "64",
      description =
          "Per-example gradient batch size (default: ${DEFAULT-VALUE}, a study's"
              + " attribution.batch-size).")
  int batch;

  @Option(
      names = "--matmul-size",
      paramLabel = "N",
      defaultValue = "2048",
      description = "Side of the dense N^3 matmul yardstick (default: ${DEFAULT-VALUE}).")
  int matmulSize;

  @Option(
      names = "--projection-params",
      paramLabel = "P",
      defaultValue = "131072",
      description = "Gradient length of the projection measurement (default: ${DEFAULT-VALUE}).")
  long projectionParams;

  @Option(
      names = "--quick",
      description = "Only the quickstart network (skips ResNet-18, the slow case).")
  boolean quick;

  @Override
  public Integer call() {
    if (images < 1
        || loopImages < 1
        || projectionDim < 1
        || batch < 1
        || matmulSize < 1
        || projectionParams < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--images, --loop-images, -k, --batch, --matmul-size and --projection-params must be"
              + " positive");
    }
    ComputeEngine engine = ComputeEngine.start(engineSelection.options());
    PrintWriter out = spec.commandLine().getOut();
    List<TrakBenchmark.Case> cases = TrakBenchmark.defaultCases();
    if (quick) {
      cases = cases.subList(0, 1);
    }
    TrakBenchmark.Options options =
        new TrakBenchmark.Options(
            images, loopImages, projectionDim, batch, cases, matmulSize, projectionParams);
    TrakBenchmark.Report r;
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      r =
          TrakBenchmark.run(
              options,
              manager,
              line -> {
                spec.commandLine().getErr().println(line);
                spec.commandLine().getErr().flush();
              });
    }
    out.printf(
        "machine          %s, %d cores, %s%n",
        engine.device(),
        Runtime.getRuntime().availableProcessors(),
        engine.info().pytorchVersion());
    out.printf("dense matmul     %.1f GFLOP/s (fp32, %d^3)%n", r.matmulGflops(), r.matmulSize());
    out.printf(
        "projection       P=%d -> k=%d, %d rows: matrix cached %.1f GFLOP/s (%.0f %% of matmul),"
            + " regenerated per call %.1f GFLOP/s (%.0f %%)%n",
        r.projectionP(),
        r.projectionK(),
        r.projectionRows(),
        r.projectionCachedGflops(),
        100 * r.projectionCachedGflops() / r.matmulGflops(),
        r.projectionRegeneratedGflops(),
        100 * r.projectionRegeneratedGflops() / r.matmulGflops());
    for (TrakBenchmark.Featurization f : r.featurizations()) {
      out.printf(
          "featurize        %s: P=%d, k=%d, %d images in %.1f s = %.1f train images/s%n",
          f.label(), f.parameters(), projectionDim, f.images(), f.seconds(), f.imagesPerSecond());
      out.printf(
          "gradients        %s: batched %.1f ex/s, loop %.1f ex/s, speed-up %.1fx%n",
          f.label(), f.batchedExamplesPerSecond(), f.loopExamplesPerSecond(), f.speedUp());
    }
    out.printf(
        "peak RSS         %s%n",
        r.peakRssBytes() < 0 ? "unknown (no /proc)" : (r.peakRssBytes() >> 20) + " MiB (VmHWM)");
    out.flush();
    return ExitCode.OK;
  }
}
