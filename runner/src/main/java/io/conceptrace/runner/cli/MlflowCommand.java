package io.conceptrace.runner.cli;

import io.conceptrace.core.BadInputException;
import io.conceptrace.mlflow.MlflowConnection;
import io.conceptrace.mlflow.StoreSync;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctrace mlflow ...}: MLflow tracking commands. */
@Command(
    name = "mlflow",
    mixinStandardHelpOptions = true,
    description = "Upload the run store to an MLflow tracking server.",
    subcommands = {MlflowCommand.Sync.class})
final class MlflowCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a subcommand is required (try: sync)");
  }

  /** {@code ctrace mlflow sync}: idempotent upload of the run store. */
  @Command(
      name = "sync",
      mixinStandardHelpOptions = true,
      description = {
        "Upload the run store to an MLflow tracking server. Safe to repeat: runs already"
            + " uploaded are found by their cell id and skipped, and an interrupted sync resumes.",
        "Credentials: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and"
            + " MLFLOW_TRACKING_PASSWORD."
      })
  static final class Sync implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--tracking-uri",
        paramLabel = "URI",
        description = "The tracking server (default: $MLFLOW_TRACKING_URI).")
    String trackingUri;

    @Option(
        names = "--store",
        paramLabel = "DIR",
        defaultValue = "runs",
        description = "The run store (default: ${DEFAULT-VALUE}).")
    Path store;

    @Parameters(
        paramLabel = "EXPERIMENT",
        arity = "0..*",
        description = "Experiments to upload (default: all in the store).")
    List<String> experiments = new ArrayList<>();

    @Override
    public Integer call() {
      MlflowConnection server =
          connection(trackingUri)
              .orElseThrow(
                  () ->
                      new BadInputException(
                          "no tracking server: pass --tracking-uri URI or set "
                              + MlflowConnection.ENV_URI));
      PrintWriter out = spec.commandLine().getOut();
      sync(requireStore(store), server, experiments, out);
      out.flush();
      return ExitCode.OK;
    }
  }

  /** The connection from the option or the environment; bad URIs are user errors. */
  static java.util.Optional<MlflowConnection> connection(String option) {
    try {
      return MlflowConnection.resolve(option, null, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
  }

  static RunStore requireStore(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException("run store " + dir + " does not exist (use --store DIR)");
    }
    return new RunStore(dir);
  }

  /** Syncs and prints a summary; server trouble becomes one line that says how to resume. */
  static StoreSync.Summary sync(
      RunStore store, MlflowConnection server, List<String> experiments, PrintWriter out) {
    StoreSync.Summary s;
    try {
      s = new StoreSync(store, server, out::println).sync(experiments);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(e.getMessage());
    }
    out.printf(
        "synced %d experiment(s) to %s: %d run(s) uploaded (%d replacing unfinished ones),"
            + " %d already there, %d parent run(s) created, %d artifact file(s)%n",
        s.experiments(),
        server,
        s.created(),
        s.replaced(),
        s.upToDate(),
        s.parents(),
        s.artifacts());
    return s;
  }
}
