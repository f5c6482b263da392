package io.conceptrace.runner.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.trak.AttributionMethod;
import io.conceptrace.core.trak.ProjectionKind;
import io.conceptrace.core.trak.TrakBenchmark;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.CellSpecs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ctrace bench trak}: how fast an experiment's attribution runs on this machine. */
@Command(
    name = "trak",
    mixinStandardHelpOptions = true,
    description = {
      "Measure TRAK with an experiment's network and attribution settings: dense matmul and"
          + " projection GFLOP/s, featurization throughput (training images per second and per"
          + " CPU-second) up to a probed layer, the shares of its time in per-example gradients,"
          + " projection-matrix generation and the projection matmul, batched vs batch-of-1"
          + " per-example gradients, and peak resident memory.",
      "Numbers depend on what else runs on the machine; run it on an idle one. Other settings:"
          + " --set (e.g. --set attribution.projection-dim=2048)."
    })
final class BenchTrakCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin EngineSelection engineSelection;

  @Mixin ExperimentOptions experimentOptions;

  @Option(
      names = "--experiment",
      paramLabel = "FILE",
      defaultValue = BenchStudy.DEFAULT_FILE,
      description =
          "Experiment whose model, probe activations and attribution settings are timed"
              + " (default: ${DEFAULT-VALUE}).")
  Path experimentFile;

  @Option(
      names = "--layer",
      paramLabel = "NAME",
      description = "Probed layer featurized up to (default: the last of probes.layers).")
  String layer;

  @Option(
      names = "--images",
      paramLabel = "N",
      defaultValue = "128",
      description = "Training images featurized (default: ${DEFAULT-VALUE}).")
  int images;

  @Option(
      names = "--loop-images",
      paramLabel = "N",
      defaultValue = "16",
      description =
          "Images for the batched-vs-loop gradient comparison (default: ${DEFAULT-VALUE}).")
  int loopImages;

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

  @Override
  public Integer call() {
    if (images < 1 || loopImages < 1 || matmulSize < 1 || projectionParams < 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--images, --loop-images, --matmul-size and --projection-params must be positive");
    }
    PrintWriter err = spec.commandLine().getErr();
    Optional<Experiment> loaded = BenchStudy.load(experimentFile, experimentOptions, err);
    if (loaded.isEmpty()) {
      return ExitCode.BAD_INPUT;
    }
    Experiment experiment = loaded.get();
    String at = layer != null ? layer : lastLayer(experiment);
    if (io.conceptrace.core.nn.LayerCatalog.find(experiment.architecture(), at).isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "--layer: " + experiment.architecture().name() + " has no layer '" + at + "'");
    }
    TrakBenchmark.Options options =
        options(experiment, at, images, loopImages, matmulSize, projectionParams);
    ComputeEngine engine = ComputeEngine.start(engineSelection.options());
    PrintWriter out = spec.commandLine().getOut();
    TrakBenchmark.Report r;
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      r =
          TrakBenchmark.run(
              options,
              manager,
              line -> {
                err.println(line);
                err.flush();
              });
    }
    TrakSpec s = options.spec();
    out.printf("experiment       %s: %s%n", experimentFile, options.target().label());
    out.printf(
        Locale.ROOT,
        "attribution      %s, projection %s k=%d x %d, batch %d, parameters %s%n",
        options.method().word(),
        s.projection().name().toLowerCase(Locale.ROOT).replace('_', '-'),
        s.projectionDim(),
        s.projections(),
        s.batchSize(),
        s.parameters().spec());
    out.printf(
        "machine          %s, %d cores, %s%n",
        engine.device(),
        Runtime.getRuntime().availableProcessors(),
        engine.info().pytorchVersion());
    out.printf("dense matmul     %.1f GFLOP/s (fp32, %d^3)%n", r.matmulGflops(), r.matmulSize());
    if (r.projectionKind() != ProjectionKind.NONE) {
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
    }
    TrakBenchmark.Featurization f = r.featurization();
    out.printf(
        Locale.ROOT,
        "featurize        P=%d, %d projection(s) of k=%d, %d images in %.1f s = %.1f train"
            + " images/s, %.1f train images/CPU-s%n",
        f.parameters(),
        f.projections(),
        f.projectionDim(),
        f.images(),
        f.seconds(),
        f.imagesPerSecond(),
        f.imagesPerCpuSecond());
    out.printf(
        Locale.ROOT,
        "time shares      gradients %.0f %%, projection generation %.0f %%, projection matmul"
            + " %.0f %%, other %.0f %%%n",
        f.gradientPercent(),
        f.generationPercent(),
        f.multiplyPercent(),
        f.otherPercent());
    out.printf(
        Locale.ROOT,
        "gradients        batched %.1f ex/s, loop %.1f ex/s, speed-up %.1fx%n",
        f.batchedExamplesPerSecond(),
        f.loopExamplesPerSecond(),
        f.speedUp());
    out.printf(
        "peak RSS         %s%n",
        r.peakRssBytes() < 0 ? "unknown (no /proc)" : (r.peakRssBytes() >> 20) + " MiB (VmHWM)");
    out.flush();
    return ExitCode.OK;
  }

  /**
   * The benchmark of the experiment's network at {@code layer} with what an {@code attribute} cell
   * hands to TRAK ({@link CellSpecs#trak}: the cells' own mapping) and its first estimator that
   * computes features.
   */
  static TrakBenchmark.Options options(
      Experiment experiment,
      String layer,
      int images,
      int loopImages,
      int matmulSize,
      long projectionParams) {
    TrakSpec trak = CellSpecs.trak(experiment.attribution(), experiment.seed());
    AttributionMethod method =
        experiment.attribution().methods().stream()
            .map(AttributionMethod::ofWord)
            .filter(AttributionMethod::featurizes)
            .findFirst()
            .orElse(AttributionMethod.TRAK);
    boolean pooled = experiment.probes().activations() == Experiment.Activations.POOLED;
    var a = experiment.architecture();
    String label =
        String.format(
            Locale.ROOT,
            "%s w%.3f%s, %dx%dx%d, %s%s",
            a.name(),
            a.width(),
            a.smallStem() ? " small stem" : "",
            a.inputChannels(),
            a.imageSize(),
            a.imageSize(),
            layer,
            pooled ? " (pooled)" : "");
    return new TrakBenchmark.Options(
        images,
        loopImages,
        trak,
        method,
        new TrakBenchmark.Case(label, a, layer, pooled),
        matmulSize,
        projectionParams);
  }

  private static String lastLayer(Experiment experiment) {
    List<String> layers = experiment.probes().layers();
    return layers.isEmpty() ? "layer3" : layers.get(layers.size() - 1);
  }
}
