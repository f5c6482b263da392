package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.conceptrace.mlflow.LocalMlflowServer;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MlflowCliTest {
  @TempDir Path dir;

  @Test
  void syncWithoutAServerOrWithABadUriIsBadInput() {
    if (System.getenv("MLFLOW_TRACKING_URI") == null) {
      CliHarness none = CliHarness.run("mlflow", "sync", "--store", dir.toString());
      assertThat(none.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
      assertThat(none.err().strip())
          .isEqualTo(
              "ctrace: error: no tracking server: pass --tracking-uri URI or set"
                  + " MLFLOW_TRACKING_URI");
    }
    CliHarness bad =
        CliHarness.run("mlflow", "sync", "--tracking-uri", "ftp://h/x", "--store", dir.toString());
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err()).startsWith("ctrace: error: tracking URI must be an http(s) URL");
    CliHarness missing =
        CliHarness.run(
            "mlflow", "sync", "--tracking-uri", "http://127.0.0.1:1", "--store", "no/such/dir");
    assertThat(missing.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(missing.err()).contains("run store no/such/dir does not exist");
  }

  @Test
  void syncToAnUnreachableServerFailsInOneLineThatSaysHowToResume() {
    Path store = populate(dir.resolve("runs"), "exp-a");
    String uri = "http://127.0.0.1:" + LocalMlflowServer.freePort();
    CliHarness r =
        CliHarness.run("mlflow", "sync", "--tracking-uri", uri, "--store", store.toString());
    assertThat(r.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(r.err().lines().findFirst().orElseThrow())
        .startsWith("ctrace: error: sync to " + uri + " failed: ")
        .endsWith("(run it again to resume)");
    CliHarness unknown =
        CliHarness.run(
            "mlflow", "sync", "--tracking-uri", uri, "--store", store.toString(), "nope");
    assertThat(unknown.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(unknown.err()).contains("experiment 'nope' has nothing in the run store");
  }

  @Test
  @Tag("slow")
  void uiWithoutMlflowInstalledSaysHowToInstallIt() throws Exception {
    Process p = ctrace(dir, Map.of("PATH", "/usr/bin:/bin"), "ui");
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(output).contains("Install it with:  python3 -m pip install mlflow");
  }

  @Test
  @Tag("slow")
  void uiPrintsTheExperimentsUrlFirstSyncsInTheBackgroundAndStopsOnInterrupt() throws Exception {
    assumeTrue(LocalMlflowServer.executable().isPresent(), "mlflow is not installed");
    populate(dir.resolve("runs"), "exp-ui");
    Process p = ctrace(dir, Map.of(), "ui", "--port", "0");
    List<String> lines = new ArrayList<>();
    String url = null;
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String experimentUrl = null;
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        lines.add(line);
        if (line.startsWith("MLflow UI: ")) {
          experimentUrl = line.substring("MLflow UI: ".length()).split(" ")[0];
          // The link comes before the sync has uploaded anything.
          assertThat(lines).noneMatch(l -> l.contains("run(s) uploaded"));
        }
        if (line.contains("run(s) uploaded")) {
          break;
        }
      }
      assertThat(experimentUrl)
          .as(String.join("\n", lines))
          .matches(
              "http://127\\.0\\.0\\.1:\\d+/#/experiments/\\d+\\?workflowType=machine_learning");
      url = experimentUrl.substring(0, experimentUrl.indexOf("/#/"));
      assertThat(lines).anyMatch(l -> l.contains("1 run(s) uploaded"));
      assertThat(dir.resolve(".ctrace/mlflow/mlflow.db")).exists();
      HttpResponse<String> experiment =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              url
                                  + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=exp-ui"))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(experiment.statusCode()).isEqualTo(200);
    } finally {
      p.destroy(); // SIGTERM, as Ctrl-C would: the shutdown hook stops the server
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    // The server is gone with it.
    String health = url + "/health";
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    HttpClient.newHttpClient()
                        .send(
                            HttpRequest.newBuilder(URI.create(health))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                            HttpResponse.BodyHandlers.ofString())))
        .isInstanceOf(java.io.IOException.class);
  }

  /** Runs ctrace in a child JVM in {@code workDir} with extra environment variables. */
  private static Process ctrace(Path workDir, Map<String, String> env, String... args)
      throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().remove("MLFLOW_TRACKING_URI");
    pb.environment().putAll(env);
    return pb.start();
  }

  private static Path populate(Path root, String experiment) {
    RunStore store = new RunStore(root);
    try (CellWriter w = store.open(experiment, "probe", "cell-1")) {
      w.metric("accuracy", 0, 0.75);
      Files.writeString(w.file("ranking.csv"), "id,score\n1,0.5\n");
      w.commit(w.recordBuilder().coordinates(Map.of("layer", "layer3")).build());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return root;
  }
}
