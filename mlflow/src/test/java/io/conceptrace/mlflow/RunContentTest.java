package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunContentTest {

  @Test
  void paramsHaveStableDottedNamesAndJsonForLists() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("training", Map.of("epochs", 8, "optimizer", Map.of("lr", 0.1)));
    settings.put("layers", List.of("layer1", "layer2"));
    settings.put("flag", true);
    settings.put("missing", null);
    Map<String, String> params = RunContent.params(Map.of("layer", "layer3"), settings, 42);
    assertThat(params)
        .containsExactly(
            Map.entry("coord.layer", "layer3"),
            Map.entry("seed", "42"),
            Map.entry("settings.flag", "true"),
            Map.entry("settings.layers", "[\"layer1\",\"layer2\"]"),
            Map.entry("settings.missing", "null"),
            Map.entry("settings.training.epochs", "8"),
            Map.entry("settings.training.optimizer.lr", "0.1"));
  }

  @Test
  void longValuesAreCutToTheLimitWithANoteAndOddKeyCharactersReplaced() {
    String value = RunContent.value("x".repeat(10_000));
    assertThat(value).hasSize(RunContent.MAX_VALUE_LENGTH).endsWith("full value is in cell.json)");
    assertThat(RunContent.value("short")).isEqualTo("short");
    assertThat(RunContent.key("acc@k=16 (val)/top-1")).isEqualTo("acc_k_16 _val_/top-1");
    assertThat(RunContent.key("k".repeat(300))).hasSize(RunContent.MAX_KEY_LENGTH);
  }

  @Test
  void recordKeysTellResultsFromEachAttempt() {
    Instant end = Instant.ofEpochMilli(1_700_000_000_123L);
    CellRecord ok = CellRecord.builder("c1", "e", "probe").finishedAt(end).build();
    CellRecord failed =
        CellRecord.builder("c1", "e", "probe")
            .status(CellStatus.FAILED, "boom")
            .finishedAt(end)
            .build();
    assertThat(RunContent.recordKey(ok)).isEqualTo("result");
    assertThat(RunContent.recordKey(failed)).isEqualTo("attempt-1700000000123-FAILED");
    assertThat(RunContent.endTags(failed))
        .containsEntry("ctrace.record", "attempt-1700000000123-FAILED")
        .containsEntry("ctrace.message", "boom");
  }

  @Test
  void runNamesListCoordinateValuesInMatrixOrder() {
    assertThat(
            RunContent.cellRunName(
                "probe",
                Map.of("member", "0", "layer", "layer3", "concept", "wavy", "sparsity", "dense")))
        .isEqualTo("probe wavy layer3 dense m0");
    assertThat(
            RunContent.cellRunName(
                "reprobe",
                Map.of(
                    "arm",
                    "top",
                    "k",
                    "100",
                    "member",
                    "2",
                    "layer",
                    "l3",
                    "concept",
                    "wavy",
                    "sparsity",
                    "16",
                    "extra",
                    "x")))
        .isEqualTo("reprobe wavy l3 sparse16 k100 top m2 x");
    assertThat(RunContent.cellRunName("report", Map.of())).isEqualTo("report");
  }

  @Test
  void parentsAreNamedByExperimentStartAndCommitAndCellsCarryCoordinatesAsTags() {
    Invocation inv =
        new Invocation(
            "20261201T110500Z-abc123",
            "quickstart",
            "/x/q.conf",
            "ctrace run q.conf",
            java.time.Instant.parse("2026-12-01T11:05:09Z"),
            new GitState("6e5a5751234567890", true),
            "Which images teach 'wavy'?");
    assertThat(RunContent.parentTags(inv))
        .containsEntry("mlflow.runName", "quickstart 2026-12-01 11:05 6e5a575+")
        .containsEntry("mlflow.note.content", "Which images teach 'wavy'?\n\n`ctrace run q.conf`");
    assertThat(
            RunContent.cellTags(
                inv, "c1", "probe", Map.of("concept", "wavy", "layer", "layer3"), List.of()))
        .containsEntry("coord.concept", "wavy")
        .containsEntry("coord.layer", "layer3")
        .containsEntry("mlflow.runName", "probe wavy layer3");
  }

  @Test
  void onlyTheReportCellsMetricsGoOntoTheParent() {
    List<Metric> ms = List.of(new Metric("probe.wavy.l3.dense.acc_mean", 0, 0.9, 1L));
    assertThat(RunContent.summaryMetrics("report", ms)).containsExactlyElementsOf(ms);
    assertThat(RunContent.summaryMetrics("probe", ms)).isEmpty();
  }

  @Test
  void batchesRespectMlflowLimitsAndKeepMetricOrder() {
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < 250; i++) {
      params.put("p" + i, "v");
    }
    Map<String, String> tags = new HashMap<>();
    for (int i = 0; i < 120; i++) {
      tags.put("t" + i, "v");
    }
    List<Metric> metrics = new ArrayList<>();
    for (int i = 0; i < 2500; i++) {
      metrics.add(new Metric("m", i, i, i));
    }
    List<LogBatch> batches = LogBatch.plan(params, tags, metrics);
    assertThat(batches)
        .allSatisfy(
            b -> {
              assertThat(b.params()).hasSizeLessThanOrEqualTo(LogBatch.MAX_PARAMS);
              assertThat(b.tags()).hasSizeLessThanOrEqualTo(LogBatch.MAX_TAGS);
              assertThat(b.size()).isLessThanOrEqualTo(LogBatch.MAX_ITEMS);
            });
    assertThat(batches.stream().mapToInt(b -> b.params().size()).sum()).isEqualTo(250);
    assertThat(batches.stream().mapToInt(b -> b.tags().size()).sum()).isEqualTo(120);
    assertThat(batches.stream().flatMap(b -> b.metrics().stream()).map(Metric::step).toList())
        .isEqualTo(metrics.stream().map(Metric::step).toList());
    // 800 + 900 + 900 metric slots after params/tags, so three batches suffice.
    assertThat(batches).hasSize(3);
    assertThat(LogBatch.plan(Map.of(), Map.of(), List.of())).isEmpty();
  }

  @Test
  void connectionPrecedenceIsOptionThenExperimentThenEnvironment() {
    Map<String, String> env = Map.of(MlflowConnection.ENV_URI, "http://env:5000/");
    assertThat(MlflowConnection.resolve("http://opt:1", "http://exp:2", env).orElseThrow().uri())
        .isEqualTo("http://opt:1");
    assertThat(MlflowConnection.resolve(null, "http://exp:2", env).orElseThrow().uri())
        .isEqualTo("http://exp:2");
    assertThat(MlflowConnection.resolve(null, " ", env).orElseThrow().uri())
        .isEqualTo("http://env:5000");
    assertThat(MlflowConnection.resolve(null, null, Map.of())).isEmpty();
  }

  @Test
  void credentialsNeverShowAndBadUrisAreRejectedInOneLine() {
    Map<String, String> env =
        Map.of(
            MlflowConnection.ENV_URI, "https://mlflow.example.org",
            MlflowConnection.ENV_USERNAME, "alice",
            MlflowConnection.ENV_PASSWORD, "s3cret-pw");
    MlflowConnection c = MlflowConnection.resolve(null, null, env).orElseThrow();
    assertThat(c.toString()).isEqualTo("https://mlflow.example.org").doesNotContain("s3cret");
    assertThat(
            c.authorize(java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.uri())))
                .build()
                .headers()
                .firstValue("Authorization"))
        .hasValue("Basic YWxpY2U6czNjcmV0LXB3");
    assertThatThrownBy(() -> MlflowConnection.resolve("file:///tmp/mlruns", null, Map.of()))
        .hasMessageStartingWith("tracking URI must be an http(s) URL");
    assertThatThrownBy(
            () -> MlflowConnection.resolve("http://bob:hunter2@host:5000", null, Map.of()))
        .hasMessageNotContaining("hunter2")
        .hasMessageContaining(MlflowConnection.ENV_USERNAME);
    assertThatThrownBy(
            () ->
                MlflowConnection.resolve(
                    "http://h:1", null, Map.of(MlflowConnection.ENV_USERNAME, "alice")))
        .hasMessageContaining(MlflowConnection.ENV_PASSWORD);
  }

  @Test
  void artifactPathSegmentsArePercentEncoded() {
    assertThat(ArtifactUploader.encodeSegment("top k=16 (ä).png"))
        .isEqualTo("top%20k%3D16%20%28%C3%A4%29.png");
  }
}
