package io.conceptrace.runner.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.EngineInfo;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.train.OptimizerSpec;
import io.conceptrace.core.train.TrainBenchmark;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.CellSpecs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Training images/s, per wall second and per CPU-second, of an experiment file's network trained
 * with that file's training settings, with the data pipeline and with pre-loaded tensors.
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Training throughput of an experiment's network with its training settings (batch size,"
          + " optimizer, weight decay, label smoothing, augmentation), on generated images of its"
          + " size and channels: images per second and per CPU-second of the process, with the"
          + " data pipeline and with pre-loaded tensors.",
      "Other networks or settings: --set (e.g. --set model.arch=resnet18 --set model.width=1.0)."
    })
final class BenchTrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin EngineSelection engineSelection;

  @Mixin ExperimentOptions experimentOptions;

  @Option(
      names = "--experiment",
      paramLabel = "FILE",
      defaultValue = BenchStudy.DEFAULT_FILE,
      description =
          "Experiment whose model and training settings are timed (default: ${DEFAULT-VALUE}).")
  Path experimentFile;

  @Option(
      names = "--steps",
      description = "Timed steps per mode (default: ${DEFAULT-VALUE}).",
      defaultValue = "30")
  int steps;

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
      description = "Loader threads (default: what a train-base cell uses).")
  Integer workers;

  @Override
  public Integer call() {
    if (steps < 1 || warmup < 0 || rounds < 1 || (workers != null && workers < 1)) {
      throw new ParameterException(
          spec.commandLine(),
          "--steps, --rounds and --workers must be positive, --warmup not negative");
    }
    PrintWriter err = spec.commandLine().getErr();
    Optional<Experiment> loaded = BenchStudy.load(experimentFile, experimentOptions, err);
    if (loaded.isEmpty()) {
      return ExitCode.BAD_INPUT;
    }
    TrainBenchmark.Setup setup = setup(loaded.get(), warmup, steps, rounds, workers);
    ComputeEngine engine = ComputeEngine.start(engineSelection.options());
    EngineInfo info = engine.info();
    PrintWriter out = spec.commandLine().getOut();
    ArchitectureSpec a = setup.arch();
    TrainSpec t = setup.training();
    out.printf(
        Locale.ROOT,
        "experiment %s: %s, %dx%dx%d, %d classes, %d parameters%n",
        experimentFile,
        networkName(a),
        a.inputChannels(),
        a.imageSize(),
        a.imageSize(),
        a.classes(),
        // Exact, so that bench/train_torch.py's network can be checked against it.
        Network.parameterSizesUpTo(a, "fc").values().stream().mapToLong(Long::longValue).sum());
    out.printf(
        Locale.ROOT,
        "training   batch %d, %s, label smoothing %s, augmentation %s%n",
        t.batchSize(),
        describe(t.optimizer()),
        t.labelSmoothing(),
        describe(t.augmentation()));
    out.printf(
        Locale.ROOT,
        "device %s, %d intra-op threads, %d cores, %d loader threads%n",
        info.device(),
        info.intraOpThreads(),
        Runtime.getRuntime().availableProcessors(),
        setup.workers());
    out.printf(
        "%-28s %10s %15s %17s %16s %18s %16s%n",
        "network",
        "params",
        "pipeline img/s",
        "pipeline img/CPU-s",
        "preloaded img/s",
        "preloaded img/CPU-s",
        "loader overhead");
    out.flush();
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      TrainBenchmark.Result r = TrainBenchmark.run(setup, manager);
      out.printf(
          Locale.ROOT,
          "%-28s %10s %15.1f %17.1f %16.1f %18.1f %15.1f%%%n",
          networkName(a),
          humanCount(r.parameters()),
          r.pipelineImagesPerSecond(),
          r.pipelineImagesPerCpuSecond(),
          r.preloadedImagesPerSecond(),
          r.preloadedImagesPerCpuSecond(),
          r.loaderOverheadPercent());
    }
    out.println(
        "(wall rates depend on machine load, CPU-second rates much less; overhead ="
            + " preloaded/pipeline - 1, negative = noise)");
    out.flush();
    return ExitCode.OK;
  }

  /**
   * The benchmark of the experiment's network with what a {@code train-base} cell trains with
   * ({@link CellSpecs#train}: the cells' own mapping).
   */
  static TrainBenchmark.Setup setup(
      Experiment experiment, int warmup, int steps, int rounds, Integer workers) {
    TrainSpec training = new CellSpecs(experiment).train(experiment.seed()).training();
    return new TrainBenchmark.Setup(
        experiment.architecture(),
        training,
        warmup,
        steps,
        rounds,
        workers != null ? workers : training.loaderWorkers());
  }

  private static String describe(OptimizerSpec o) {
    String name = o.kind().name().toLowerCase(Locale.ROOT);
    String momentum =
        o.kind() == OptimizerSpec.Kind.SGD
            ? ", momentum " + o.momentum() + (o.nesterov() ? " nesterov" : "")
            : "";
    return name + " lr " + o.learningRate() + momentum + ", weight decay " + o.weightDecay();
  }

  private static String describe(Augmentation a) {
    String crop = a.crop().name().toLowerCase(Locale.ROOT).replace('_', '-');
    return crop
        + (a.crop() == Augmentation.Crop.PAD_CROP ? " " + a.cropPadding() : "")
        + (a.horizontalFlip() ? " + flip" : "");
  }

  private static String networkName(ArchitectureSpec a) {
    return String.format(
        Locale.ROOT, "%s w%.3f%s", a.name(), a.width(), a.smallStem() ? " small stem" : "");
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
