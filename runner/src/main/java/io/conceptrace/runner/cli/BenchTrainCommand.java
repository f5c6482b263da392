package io.conceptrace.runner.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.EngineInfo;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.train.TrainBenchmark;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Training images/s for the quickstart network and ResNet-18 (small stem, width 1.0) with the data
 * pipeline and with pre-loaded tensors, and the loader's overhead.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Training throughput (images/s) with the data pipeline and with pre-loaded tensors.",
      "Networks: the quickstart network (small-cnn, width 1.0) and ResNet-18 (small stem,"
          + " width 1.0), both at 32x32 on generated RGB images, SGD + Nesterov, label smoothing."
    })
final class BenchTrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin EngineSelection engineSelection;

  @Option(
      names = "--only",
      paramLabel = "quick|resnet18",
      description = "Benchmark one network only (default: both).")
  String only;

  @Option(
      names = "--batch",
      description = "Batch size (default: ${DEFAULT-VALUE}).",
      defaultValue = "128")
  int batch;

  @Option(
      names = "--quick-arch",
      description = "Architecture of the quickstart network (default: ${DEFAULT-VALUE}).",
      defaultValue = "small-cnn")
  String quickArch;

  @Option(
      names = "--quick-width",
      description = "Width multiplier of the quickstart network (default: ${DEFAULT-VALUE}).",
      defaultValue = "1.0")
  double quickWidth;

  @Option(
      names = "--quick-steps",
      description = "Timed steps per mode for the quickstart network (default: ${DEFAULT-VALUE}).",
      defaultValue = "30")
  int quickSteps;

  @Option(
      names = "--resnet-steps",
      description = "Timed steps per mode for ResNet-18 (default: ${DEFAULT-VALUE}).",
      defaultValue = "6")
  int resnetSteps;

  @Option(
      names = "--warmup",
      description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  int warmup;

  @Option(
      names = "--rounds",
      description =
          "Alternating pipeline/pre-loaded rounds the timed steps are split into"
              + " (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  int rounds;

  @Option(
      names = "--workers",
      description = "Loader threads (default: ${DEFAULT-VALUE}).",
      defaultValue = "2")
  int workers;

  @Override
  public Integer call() {
    if (only != null && !only.equals("quick") && !only.equals("resnet18")) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--only must be quick or resnet18, got '" + only + "'");
    }
    List<TrainBenchmark.Setup> setups = new ArrayList<>();
    if (only == null || only.equals("quick")) {
      setups.add(
          new TrainBenchmark.Setup(
              new ArchitectureSpec(quickArch, quickWidth, true, 3, 32, 10),
              batch,
              warmup,
              quickSteps,
              rounds,
              workers));
    }
    if (only == null || only.equals("resnet18")) {
      setups.add(
          new TrainBenchmark.Setup(
              new ArchitectureSpec("resnet18", 1.0, true, 3, 32, 10),
              batch,
              warmup,
              resnetSteps,
              rounds,
              workers));
    }
    ComputeEngine engine = ComputeEngine.start(engineSelection.options());
    EngineInfo info = engine.info();
    PrintWriter out = spec.commandLine().getOut();
    out.printf(
        "device %s, %d intra-op threads, %d cores, %d loader threads, batch %d, 32x32%n",
        info.device(),
        info.intraOpThreads(),
        Runtime.getRuntime().availableProcessors(),
        workers,
        batch);
    out.printf(
        "%-34s %10s %16s %17s %16s%n",
        "network", "params", "pipeline img/s", "preloaded img/s", "loader overhead");
    out.flush();
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      for (TrainBenchmark.Setup s : setups) {
        TrainBenchmark.Result r = TrainBenchmark.run(s, manager);
        ArchitectureSpec a = s.arch();
        String name =
            String.format(
                Locale.ROOT,
                "%s w%.2f%s",
                a.name(),
                a.width(),
                a.name().startsWith("resnet") ? " small stem" : "");
        out.printf(
            Locale.ROOT,
            "%-34s %10s %16.1f %17.1f %15.1f%%%n",
            name,
            humanCount(r.parameters()),
            r.pipelineImagesPerSecond(),
            r.preloadedImagesPerSecond(),
            r.loaderOverheadPercent());
        out.flush();
      }
    }
    out.println(
        "(numbers depend on machine load; overhead = preloaded/pipeline - 1, negative = noise)");
    out.flush();
    return ExitCode.OK;
  }

  private static String humanCount(long n) {
    if (n >= 1_000_000) {
      return String.format(Locale.ROOT, "%.2f M", n / 1e6);
    }
    if (n >= 1_000) {
      return String.format(Locale.ROOT, "%.1f k", n / 1e3);
    }
    return Long.toString(n);
  }
}
