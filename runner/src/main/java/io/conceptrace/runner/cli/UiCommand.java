package io.conceptrace.runner.cli;

import io.conceptrace.mlflow.LocalMlflowServer;
import io.conceptrace.mlflow.StoreSync;
import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace ui}: a local MLflow UI over the run store. Starts {@code mlflow server} on
 * 127.0.0.1 with its SQLite database and artifacts in {@code .ctrace/mlflow/} of the project
 * directory, syncs the run store into it, prints the URL and serves until interrupted.
 */
@Command(
    name = "ui",
    mixinStandardHelpOptions = true,
    description = {
      "Start a local MLflow UI (127.0.0.1) over the run store and serve until Ctrl-C.",
      "Prints each experiment's URL as soon as the server answers, then syncs the run store in"
          + " the background.",
      "Needs the mlflow command: " + LocalMlflowServer.INSTALL_HINT
    })
final class UiCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      defaultValue = "runs",
      description = "The run store (default: ${DEFAULT-VALUE}).")
  Path store;

  @Option(
      names = "--project-dir",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "Where .ctrace/mlflow/ keeps the UI's database (default: current directory).")
  Path projectDir;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "5000",
      description = "Port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--startup-timeout",
      paramLabel = "SECONDS",
      defaultValue = "180",
      description = "How long to wait for the server to answer (default: ${DEFAULT-VALUE}).")
  int startupSeconds;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (LocalMlflowServer.executable().isEmpty()) {
      err.println("ctrace: error: the MLflow UI needs the mlflow command, which is not installed.");
      err.println("Install it with:  " + LocalMlflowServer.INSTALL_HINT);
      err.println("then run `ctrace ui` again.");
      err.flush();
      return ExitCode.BAD_INPUT;
    }
    Path data = projectDir.resolve(".ctrace").resolve("mlflow").toAbsolutePath().normalize();
    int chosen = port != 0 && portIsFree(port) ? port : LocalMlflowServer.freePort();
    if (port != 0 && chosen != port) {
      out.printf("port %d is in use; using %d%n", port, chosen);
    }
    out.printf("starting mlflow server (data in %s) ...%n", data);
    out.flush();
    LocalMlflowServer server =
        LocalMlflowServer.start(data, chosen, Duration.ofSeconds(startupSeconds));
    Thread stopper = new Thread(server::close, "ctrace-ui-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      List<String> experiments =
          Files.isDirectory(store) ? new RunStore(store).experiments() : List.of();
      if (experiments.isEmpty()) {
        out.printf("run store %s is empty: nothing to sync yet%n", store.toAbsolutePath());
        out.printf("MLflow UI: %s  (Ctrl-C to stop)%n", server.url());
      } else {
        // The links first: the experiments exist before their runs are uploaded, and the UI shows
        // runs as the sync below adds them.
        RunStore runs = new RunStore(store);
        StoreSync sync = new StoreSync(runs, server.connection(), line -> {});
        for (String e : experiments) {
          out.printf(
              "MLflow UI: %s  (experiment %s)%n",
              experimentUrl(server.url(), sync.experimentId(e)), e);
        }
        out.println("syncing the run store in the background; Ctrl-C stops the UI");
        out.flush();
        Thread background =
            new Thread(
                () -> {
                  try {
                    MlflowCommand.sync(runs, server.connection(), List.of(), out);
                  } catch (RuntimeException e) {
                    err.println("ctrace: warning: " + e.getMessage());
                    err.flush();
                  }
                },
                "ctrace-ui-sync");
        background.setDaemon(true); // Ctrl-C stops the UI at once; the next sync resumes
        background.start();
      }
      out.flush();
      int code = server.waitFor();
      err.printf("ctrace: mlflow server exited with code %d%n", code);
      err.flush();
      return ExitCode.RUN_FAILED;
    } finally {
      server.close();
      try {
        Runtime.getRuntime().removeShutdownHook(stopper);
      } catch (IllegalStateException e) {
        // already shutting down: the hook is running
      }
    }
  }

  /**
   * The experiment's page in MLflow's UI, on its training-runs view: MLflow 3.x up to about 3.4
   * chooses the view by the experiment's {@code mlflow.experimentKind} tag (which sync sets), later
   * versions by a GenAI / Model training switch that this URL parameter sets.
   */
  static String experimentUrl(String base, String experimentId) {
    return (base.endsWith("/") ? base : base + "/")
        + "#/experiments/"
        + experimentId
        + "?workflowType=machine_learning";
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }
}
