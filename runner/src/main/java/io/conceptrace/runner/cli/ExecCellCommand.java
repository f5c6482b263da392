package io.conceptrace.runner.cli;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.EngineInfo;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.mlflow.Invocation;
import io.conceptrace.mlflow.MlflowConnection;
import io.conceptrace.mlflow.Tracking;
import io.conceptrace.mlflow.TrackingSink;
import io.conceptrace.runner.exec.CellOutcome;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.runner.exec.ShutdownGuard;
import io.conceptrace.runner.exec.TrackingListener;
import io.conceptrace.runner.exec.slurm.SingleCellExecutor;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.runner.stages.StageRunners;
import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace exec-cell}: computes one cell of an experiment into a run store; what each Slurm
 * job runs. Internal (hidden from help): the job scripts that {@code ctrace run --executor slurm}
 * writes call it. Exits 0 when the cell's output is in the store, 1 otherwise, so that Slurm's
 * {@code afterok} holds back exactly the cells that read a failed one.
 */
@Command(
    name = "exec-cell",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Internal: compute one cell (what a Slurm job runs).")
public final class ExecCellCommand implements Callable<Integer> {
  /** Shorter than Slurm's default KillWait (30 s) so a cancelled cell is recorded killed. */
  static final Duration SIGNAL_GRACE = Duration.ofSeconds(2);

  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Mixin EngineSelection engine;

  @Option(names = "--store", required = true, paramLabel = "DIR", description = "Run store root.")
  Path store;

  @Option(
      names = "--experiment",
      required = true,
      paramLabel = "FILE",
      description = "Experiment file.")
  Path file;

  @Option(names = "--replace", description = "Recompute the cell even if it is complete.")
  boolean replace;

  @Parameters(paramLabel = "CELL_ID", description = "The cell's id.")
  String cellId;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Optional<KotlinScriptHost> host = options.scriptHost();
    LoadedExperiment loaded = LoadedExperiment.load(file, options, host, true);
    if (!loaded.ok()) {
      loaded.printProblems(err);
      return ExitCode.BAD_INPUT;
    }
    Experiment experiment = loaded.experiment();
    RunMatrix matrix = loaded.matrix();
    if (matrix.get(cellId).isEmpty()) {
      throw new BadInputException(
          "cell "
              + cellId
              + " is not in the run matrix of "
              + file
              + " (was the file or a --set changed after the jobs were submitted?)");
    }
    int threads = engine.threads > 0 ? engine.threads : 1;
    ComputeEngine compute = ComputeEngine.start(new EngineOptions(engine.device, threads));
    RunStore runs = new RunStore(store);
    Pipeline pipeline = new Pipeline();
    Pipeline.Request request =
        new Pipeline.Request(
            matrix.experiment(),
            MatrixCell.of(matrix),
            runs,
            StageRunners.forExperiment(experiment, compute, host),
            replace ? List.of(cellId) : List.of(),
            new RunPolicy(false),
            provenance(compute.info()));
    err.printf(
        "ctrace: cell %s of %s on %s × %d thread(s), store %s%n",
        matrix.get(cellId).get().id(), matrix.experiment(), compute.device(), threads, runs.root());
    err.flush();
    CellOutcome outcome;
    try (TrackingSink sink =
            Tracking.open(
                runs, reachableServer(experiment, err), w -> err.println("ctrace: warning: " + w));
        ShutdownGuard guard = pipeline.guardSignals(SIGNAL_GRACE)) {
      Invocation invocation =
          Invocation.begin(
              experiment.tracking().experimentName(),
              file,
              "ctrace exec-cell " + cellId,
              experiment.description());
      ExecutionListener listener =
          ExecutionListener.all(List.of(new TrackingListener(sink, invocation)));
      outcome =
          pipeline
              .run(request, new SingleCellExecutor(cellId), listener)
              .report()
              .outcomes()
              .get(0);
      err.printf(
          "ctrace: %s %s in %.1f s%s%n",
          outcome.cell().label(),
          outcome.state().name().toLowerCase(Locale.ROOT),
          outcome.seconds(),
          outcome.message().isEmpty() ? "" : ": " + outcome.message());
      err.flush();
      guard.runEnded();
    }
    return outcome.state().hasOutput() ? ExitCode.OK : ExitCode.RUN_FAILED;
  }

  /**
   * The tracking server when tracking is on, one is configured, and it answers from this node;
   * otherwise nothing is logged live (the run store has everything; the finishing job syncs).
   */
  static Optional<MlflowConnection> reachableServer(Experiment experiment, PrintWriter err) {
    if (!experiment.tracking().enabled()) {
      return Optional.empty();
    }
    Optional<MlflowConnection> server =
        MlflowConnection.resolve(null, experiment.tracking().uri().orElse(null), System.getenv());
    if (server.isPresent() && !reachable(server.get().uri())) {
      err.println(
          "ctrace: warning: tracking server "
              + server.get().uri()
              + " does not answer from this node; logging to the run store only");
      return Optional.empty();
    }
    return server;
  }

  private static boolean reachable(String uri) {
    try {
      URI u = URI.create(uri);
      int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(u.getHost(), port), 3000);
        return true;
      }
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private static Map<String, String> provenance(EngineInfo info) {
    Map<String, String> p = Provenance.of(info);
    String job = System.getenv("SLURM_JOB_ID");
    if (job != null) {
      p.put("slurm-job", job);
    }
    return p;
  }
}
