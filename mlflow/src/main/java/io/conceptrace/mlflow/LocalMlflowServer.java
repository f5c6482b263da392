package io.conceptrace.mlflow;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A local {@code mlflow server} (the Python package) bound to 127.0.0.1, with a SQLite backend and
 * proxied artifacts stored in one directory. Used by {@code ctrace ui} and by the integration
 * tests.
 */
public final class LocalMlflowServer implements AutoCloseable {
  /** How to get the {@code mlflow} command, for messages. */
  public static final String INSTALL_HINT = "python3 -m pip install mlflow";

  private final Process process;
  private final int port;
  private final Path log;

  private LocalMlflowServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** The {@code mlflow} executable on the PATH, if any. */
  public static Optional<Path> executable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "mlflow");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** A port that was free a moment ago on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /**
   * Starts a server whose database ({@code mlflow.db}), artifacts ({@code artifacts/}) and log
   * ({@code server.log}) live in {@code dataDirectory}, and waits until it answers.
   *
   * @param port the port, or 0 for a free one
   * @throws IllegalStateException if {@code mlflow} is not installed, or the server exits or does
   *     not answer within {@code startup} (the message carries the end of its log)
   */
  public static LocalMlflowServer start(Path dataDirectory, int port, Duration startup) {
    Path mlflow =
        executable()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the mlflow command is not installed; install it with: " + INSTALL_HINT));
    int chosen = port == 0 ? freePort() : port;
    Path dir = dataDirectory.toAbsolutePath();
    Path log = dir.resolve("server.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                mlflow.toString(),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(chosen),
                "--workers",
                "1",
                "--backend-store-uri",
                "sqlite:///" + dir.resolve("mlflow.db"),
                "--artifacts-destination",
                dir.resolve("artifacts").toString()));
    Process process;
    try {
      Files.createDirectories(dir);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // MLflow 3 otherwise starts seven background job consumers (GenAI evaluation, trace
      // rollups) that ctrace never uses: they slow the start and outlive a stopped server.
      builder.environment().putIfAbsent("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false");
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + mlflow, e);
    }
    LocalMlflowServer server = new LocalMlflowServer(process, chosen, log);
    try {
      server.awaitHealthy(startup);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** The server's URL, e.g. {@code http://127.0.0.1:5000}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public MlflowConnection connection() {
    return MlflowConnection.of(url());
  }

  public int port() {
    return port;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** Blocks until the server process exits (e.g. on Ctrl-C). */
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  /** Stops the server and its worker processes; returns when they are gone. */
  @Override
  public void close() {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    tree.add(process.toHandle());
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : tree) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
  }

  private void awaitHealthy(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(url() + "/health"))
            .timeout(Duration.ofSeconds(5))
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "mlflow server exited with code " + process.exitValue() + ": " + logTail());
      }
      try {
        HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for mlflow server");
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for mlflow server");
      }
    }
    throw new IllegalStateException(
        "mlflow server did not answer on "
            + url()
            + " within "
            + timeout.toSeconds()
            + " s: "
            + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log + ")";
    }
  }
}
