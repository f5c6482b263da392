package io.conceptrace.runner.cli;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.mlflow.Invocation;
import io.conceptrace.mlflow.MlflowConnection;
import io.conceptrace.mlflow.Tracking;
import io.conceptrace.mlflow.TrackingSink;
import io.conceptrace.runner.exec.CellOutcome;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.LogProgress;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.runner.exec.ShutdownGuard;
import io.conceptrace.runner.exec.SummaryTable;
import io.conceptrace.runner.exec.TerminalProgress;
import io.conceptrace.runner.exec.TrackingListener;
import io.conceptrace.runner.exec.WorkerBudget;
import io.conceptrace.runner.exec.slurm.SlurmCommands;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.runner.stages.StageRunners;
import io.conceptrace.runner.stages.StudyInputs;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctrace run FILE}: executes the experiment's run matrix, reusing what is stored. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run every cell of an experiment that the run store does not hold yet.",
      "Cells run in dependency order on parallel workers. Safe to interrupt (Ctrl-C) or kill and"
          + " run again. Ends by printing the summary and the report's path."
    })
public final class RunCommand implements Callable<Integer> {
  /** How long Ctrl-C waits for running cells to stop before recording them killed. */
  static final Duration SIGNAL_GRACE = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Mixin EngineSelection engine;

  @Parameters(paramLabel = "FILE", description = "Experiment file.")
  Path file;

  @Option(
      names = {"-j", "--jobs"},
      paramLabel = "N",
      description = "Cells computed at once (default: execution.jobs; 0 = from cores and memory).")
  Integer jobs;

  @Option(
      names = "--force",
      paramLabel = "STAGE|CELL",
      description =
          "Recompute a stage, or a cell by id (prefix), and everything after it. Repeatable.")
  List<String> force = new ArrayList<>();

  @Option(
      names = "--keep-going",
      description = "After a failure, still run every cell that does not depend on it.")
  boolean keepGoing;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description = "Run store root (default: the file's execution.store).")
  Path store;

  @Option(
      names = "--tracking-uri",
      paramLabel = "URL",
      description = "MLflow server to log to (default: tracking.uri, then MLFLOW_TRACKING_URI).")
  String trackingUri;

  @Option(
      names = "--progress",
      paramLabel = "auto|bars|log",
      defaultValue = "auto",
      description = "Progress bars on a terminal, periodic log lines otherwise (default: auto).")
  String progress;

  @Option(
      names = "--executor",
      paramLabel = "local|slurm",
      description = "Where cells run (default: execution.executor): local workers or Slurm jobs.")
  String executor;

  @Option(
      names = "--dry-run",
      description = "With the slurm executor: print the job scripts, submit nothing.")
  boolean dryRun;

  @Option(
      names = "--wait",
      description =
          "With the slurm executor: wait for the jobs, print the status, exit 1 unless all done.")
  boolean waitForJobs;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Optional<KotlinScriptHost> host = options.scriptHost();
    // Unlike validate and plan, a run needs the data directories to exist.
    LoadedExperiment loaded = LoadedExperiment.load(file, options, host, true);
    if (!loaded.ok()) {
      loaded.printProblems(err);
      return ExitCode.BAD_INPUT;
    }
    Experiment experiment = loaded.experiment();
    RunMatrix matrix = loaded.matrix();
    String where = executor != null ? executor : experiment.execution().executor();
    if (where.equals("slurm")) {
      return SlurmRun.submit(
          experiment,
          matrix,
          file,
          options,
          store,
          force,
          trackingUri,
          dryRun,
          waitForJobs,
          SlurmCommands.fromEnvironment(),
          out,
          err);
    }
    if (!where.equals("local") || dryRun) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          dryRun && where.equals("local")
              ? "--dry-run needs --executor slurm"
              : "--executor must be local or slurm, got '" + where + "'");
    }
    // Predicate concepts are built before any cell, so a block that fails on the images fails
    // now and not after the base models trained; the cells then share these very sets.
    StudyInputs inputs = new StudyInputs(experiment, host);
    List<Problem> conceptProblems = inputs.checkConcepts();
    if (!conceptProblems.isEmpty()) {
      conceptProblems.forEach(err::println);
      err.flush();
      return ExitCode.BAD_INPUT;
    }
    WorkerBudget budget =
        WorkerBudget.choose(
            jobs != null ? jobs : experiment.execution().jobs(),
            engine.threads > 0 ? engine.threads : experiment.execution().threads());
    ComputeEngine compute =
        ComputeEngine.start(new EngineOptions(engine.device, budget.intraOpThreads()));
    RunStore runs = new RunStore(store != null ? store : experiment.execution().store());
    Pipeline pipeline = new Pipeline();
    Pipeline.Request request =
        new Pipeline.Request(
            matrix.experiment(),
            MatrixCell.of(matrix),
            runs,
            StageRunners.forExperiment(inputs, compute),
            force,
            new RunPolicy(keepGoing),
            Provenance.of(compute.info()));
    err.printf(
        "ctrace: %s on %s: %d job(s) × %d thread(s), store %s%n",
        matrix.experiment(), compute.device(), budget.jobs(), budget.intraOpThreads(), runs.root());
    err.flush();
    if (!Pipeline.plan(request).toRun().isEmpty()) {
      // A read-only or full store fails here, once, before any cell (or the tracking journal)
      // tries to write; a fully cached rerun needs no writing and is not refused.
      runs.requireWritable(matrix.experiment());
    }
    Pipeline.Result result;
    try (TrackingSink sink =
            Tracking.open(
                runs,
                experiment.tracking().enabled()
                    ? MlflowConnection.resolve(
                        trackingUri, experiment.tracking().uri().orElse(null), System.getenv())
                    : Optional.empty(),
                w -> err.println("ctrace: warning: " + w));
        AutoCloseable display = display(err);
        ShutdownGuard guard = pipeline.guardSignals(SIGNAL_GRACE)) {
      Invocation invocation =
          Invocation.begin(
              experiment.tracking().experimentName(),
              file,
              commandLine(),
              experiment.description());
      ExecutionListener listener =
          ExecutionListener.all(
              List.of((ExecutionListener) display, new TrackingListener(sink, invocation)));
      result = pipeline.run(request, new LocalExecutor(budget.jobs()), listener);
      // The display closed itself when the run ended; what follows is printed below it.
      if (result.storeFault().isEmpty()) {
        for (CellOutcome f : result.report().failures()) {
          err.println("ctrace: " + f.state().name().toLowerCase(Locale.ROOT) + ": " + f.describe());
        }
      }
      out.println();
      out.print(SummaryTable.render(result.summary()));
      out.println("stage timings (seconds)");
      out.print(SummaryTable.timings(result.report(), result.plan().stages()));
      // Last, so that it is the line a user sees: where to read the results.
      result.report().outcomes().stream()
          .filter(o -> o.cell().stage().equals(Stages.REPORT) && o.directory() != null)
          .map(o -> o.directory().resolve("report/index.html"))
          .filter(Files::isRegularFile)
          .forEach(page -> out.println("report: " + page));
      out.flush();
      err.flush();
      guard.runEnded();
    }
    if (result.storeFault().isPresent()) {
      err.println("ctrace: error: " + Main.storeFaultLine(result.storeFault().get()));
      err.flush();
      return ExitCode.RUN_FAILED;
    }
    if (!result.report().succeeded()) {
      err.printf(
          "ctrace: %d of %d cells have no output; run the same command again to resume%n",
          result.report().outcomes().stream().filter(o -> !o.state().hasOutput()).count(),
          result.report().outcomes().size());
      return ExitCode.RUN_FAILED;
    }
    return ExitCode.OK;
  }

  private AutoCloseable display(PrintWriter err) {
    boolean bars =
        switch (progress.toLowerCase(Locale.ROOT)) {
          case "bars" -> true;
          case "log" -> false;
          case "auto" -> System.console() != null;
          default ->
              throw new picocli.CommandLine.ParameterException(
                  spec.commandLine(),
                  "--progress must be auto, bars or log, got '" + progress + "'");
        };
    return bars ? new TerminalProgress(System.err) : new LogProgress(err, Duration.ofSeconds(30));
  }

  private String commandLine() {
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    return "ctrace " + String.join(" ", args);
  }
}
