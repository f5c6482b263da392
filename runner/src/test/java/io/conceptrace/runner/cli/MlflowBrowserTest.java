package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.mlflow.LocalMlflowServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study as a user sees it in MLflow's UI, in a real (headless) Chromium: runs the tiny study,
 * syncs it to a real MLflow server, and checks that the runs list shows the readable names and the
 * summary metrics, and that the report artifact renders with every image. Screenshots are kept in
 * {@code target/browser/}.
 *
 * <p>Uses the server CI started ({@code CTRACE_TEST_MLFLOW_URI}), else starts one. In CI (where
 * that variable is set) a missing Chromium is a failure; elsewhere the test is skipped without it.
 */
@Tag("slow")
class MlflowBrowserTest {
  static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  static final Path SHOTS = Path.of("target/browser");
  static final Duration UI_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void theRunsListShowsReadableNamesAndSummaryMetricsAndTheReportRendersInMlflow()
      throws Exception {
    String shared = System.getenv("CTRACE_TEST_MLFLOW_URI");
    boolean ci = shared != null && !shared.isBlank();
    if (!ci) {
      assumeTrue(LocalMlflowServer.executable().isPresent(), "mlflow is not installed");
      assumeTrue(HeadlessChromium.executable().isPresent(), "chromium is not installed");
    }
    Path chromium =
        HeadlessChromium.executable()
            .orElseThrow(() -> new AssertionError("CI must install chromium (see .ci/run)"));

    byte[] b = new byte[3];
    ThreadLocalRandom.current().nextBytes(b);
    String experiment = "browser-" + HexFormat.of().formatHex(b);
    String store = dir.resolve("runs").toString();
    CliHarness run =
        CliHarness.run(
            "run", TINY.toString(), "--store", store, "--set", "experiment.name=" + experiment);
    assertThat(run.exitCode()).as(run.err()).isZero();

    LocalMlflowServer local = null;
    try {
      String uri;
      if (ci) {
        uri = shared;
      } else {
        local = LocalMlflowServer.start(dir.resolve("mlflow"), 0, Duration.ofSeconds(120));
        uri = local.url();
      }
      CliHarness sync = CliHarness.run("mlflow", "sync", "--tracking-uri", uri, "--store", store);
      assertThat(sync.exitCode()).as(sync.err()).isZero();
      String id =
          get(uri, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + experiment)
              .path("experiment")
              .path("experiment_id")
              .asText();
      assertThat(id).isNotEmpty();

      String parentId = search(uri, id, "tags.`ctrace.kind` = 'invocation'");
      String reportId = search(uri, id, "tags.`ctrace.stage` = 'report'");
      try (HeadlessChromium browser =
          HeadlessChromium.start(chromium, dir.resolve("chromium"), 1600, 1800)) {
        // The experiment's link as `ctrace ui` prints it: the training runs, the parent first.
        browser.navigate(UiCommand.experimentUrl(uri, id));
        boolean listed = browser.waitFor(textIncludes(experiment + " 20"), UI_TIMEOUT);
        closeAssistant(browser);
        assertThat(listed).as(browser.text()).isTrue();
        // One click opens the parent: its children are named by their coordinates.
        browser.evaluate(
            "document.querySelector('.ag-row button[data-component-id*=runnamecellrenderer]')"
                + ".click()");
        boolean expanded =
            browser.waitFor(textIncludes("reprobe wavy layer3 dense k12 top m0"), UI_TIMEOUT);
        browser.screenshot(SHOTS.resolve("1-runs.png"));
        assertThat(expanded).as(browser.text()).isTrue();
        assertThat(browser.text())
            .contains(
                "train-base m0", "probe wavy layer3 dense m1", "attribute wavy layer2 sparse8")
            .contains("prune-set wavy layer3 dense k12 bottom", "report");
        // The Dataset column: what each run read.
        assertThat(browser.text()).contains("synthetic train", "concept wavy");

        // The parent run holds the study's numbers: accuracy per layer with spread, and each
        // prune arm's change with its p-values.
        browser.navigate(runUrl(uri, id, parentId));
        boolean metrics =
            browser.waitFor(textIncludes("probe.wavy.layer3.dense.acc_mean"), UI_TIMEOUT);
        closeAssistant(browser);
        browser.screenshot(SHOTS.resolve("2-parent-metrics.png"));
        assertThat(metrics).as(browser.text()).isTrue();
        assertThat(browser.text())
            .contains("probe.wavy.layer2.dense.acc_mean", "probe.wavy.layer3.dense.acc_std")
            .contains("prune.wavy.layer3.dense.top.k12.delta")
            .contains("prune.wavy.layer3.dense.top.k12.welch_p")
            .contains("prune.wavy.layer3.dense.random.k12.perm_p");

        // The report inside MLflow's artifact viewer, then the page it shows on its own.
        browser.navigate(runUrl(uri, id, reportId).replace("?", "/artifacts/report/index.html?"));
        boolean framed =
            browser.waitFor("document.querySelector('iframe.mlflow-html-iframe')", UI_TIMEOUT);
        closeAssistant(browser);
        Thread.sleep(1000); // let the frame paint for the screenshot
        browser.screenshot(SHOTS.resolve("3-report-in-mlflow.png"));
        assertThat(framed).as(browser.text()).isTrue();
        String frame =
            browser.evaluate("document.querySelector('iframe.mlflow-html-iframe').src").asText();
        browser.navigate(frame);
        assertThat(
                browser.waitFor(
                    "document.readyState === 'complete' && document.images.length > 0", UI_TIMEOUT))
            .isTrue();
        JsonNode images =
            browser.evaluate(
                "Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,"
                    + " src: i.src.slice(0, 30)}))");
        browser.screenshot(SHOTS.resolve("4-report-page.png"));
        // probe accuracy by layer, sparse probes, scores, prune curve, four image grids
        assertThat(images).hasSizeGreaterThanOrEqualTo(8);
        for (JsonNode image : images) {
          assertThat(image.path("ok").asBoolean()).as(image.toString()).isTrue();
          assertThat(image.path("src").asText()).startsWith("data:image/png;base64,");
        }
      }
    } finally {
      if (local != null) {
        local.close();
      }
    }
  }

  private static String textIncludes(String text) {
    return "document.body && document.body.innerText.includes('" + text.replace("'", "\\'") + "')";
  }

  private static String runUrl(String base, String experimentId, String runId) {
    return base
        + "/#/experiments/"
        + experimentId
        + "/runs/"
        + runId
        + "?workflowType=machine_learning";
  }

  /** Closes MLflow's assistant side panel (open on a fresh profile) so that it hides nothing. */
  private static void closeAssistant(HeadlessChromium browser) throws Exception {
    browser.evaluate(
        "(() => { const b = document.querySelector('button[aria-label=Close]');"
            + " if (b) { b.click(); } return true; })()");
  }

  /** The id of the one run of the experiment that matches {@code filter}. */
  private static String search(String base, String experimentId, String filter)
      throws IOException, InterruptedException {
    String body =
        JSON.writeValueAsString(
            java.util.Map.of("experiment_ids", java.util.List.of(experimentId), "filter", filter));
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/runs/search"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode runs = JSON.readTree(r.body()).path("runs");
    assertThat(runs).as(filter).hasSize(1);
    return runs.get(0).path("info").path("run_id").asText();
  }

  private static JsonNode get(String base, String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary profile left behind is harmless
    }
  }
}
