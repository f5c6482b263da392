package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.conceptrace.mlflow.MlflowServerExtension.TestServer;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Sync and live logging against a real MLflow server, checked through its REST API. */
@Tag("slow")
@ExtendWith(MlflowServerExtension.class)
class StoreSyncTest {
  @TempDir Path dir;

  @Test
  void syncUploadsTheStoreOnceWithNestingParamsMetricsTagsStatusesAndArtifacts(TestServer server)
      throws Exception {
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "sync");
    Path experimentFile = StoreFixture.experimentFileInRepository(dir.resolve("repo"));
    GitState git = GitState.of(experimentFile);
    List<String> warnings = new ArrayList<>();
    // Offline: no tracking URI, only the journal.
    Invocation invocation;
    try (TrackingSink sink = Tracking.open(f.store, Optional.empty(), warnings::add)) {
      invocation = Invocation.begin(f.experiment, experimentFile, "ctrace run study.conf");
      sink.startInvocation(invocation);
      f.trainCell(sink, "c-train");
      f.probeCell(sink, "c-probe", "c-train");
      f.failedAttempt(sink, "c-attr");
      sink.endInvocation(CellStatus.FAILED);
    }
    // A cell written without any invocation journal (e.g. by an older ctrace).
    f.trainCell(TrackingSink.none(), "c-extra");
    assertThat(warnings).isEmpty();
    assertThat(server.rest().experimentId(f.experiment)).isNull();

    StoreSync.Summary first = new StoreSync(f.store, server.connection(), s -> {}).sync(List.of());
    assertThat(first.created()).isEqualTo(4);
    assertThat(first.parents()).isEqualTo(2);
    assertThat(first.upToDate()).isZero();
    // 2 x (weights.txt, curves/notes.txt, cell.json, metrics.jsonl) + probe's 2 + parent's conf
    assertThat(first.artifacts()).isEqualTo(11);

    MlflowRest rest = server.rest();
    String experimentId = rest.experimentId(f.experiment);
    assertThat(experimentId).isNotNull();
    List<JsonNode> runs = rest.runs(experimentId, "");
    assertThat(runs).hasSize(6);

    JsonNode parent =
        only(
            rest.runs(
                experimentId,
                "tags.ctrace.invocation_id = '"
                    + invocation.id()
                    + "' and tags.ctrace.kind = 'invocation'"));
    JsonNode storeParent =
        only(
            rest.runs(
                experimentId,
                "tags.ctrace.invocation_id = 'run-store' and tags.ctrace.kind = 'invocation'"));
    assertThat(parent.path("info").path("status").asText()).isEqualTo("FAILED");
    assertThat(storeParent.path("info").path("status").asText()).isEqualTo("FINISHED");
    assertThat(MlflowRest.tag(parent, "ctrace.experiment_file"))
        .isEqualTo(experimentFile.toAbsolutePath().toString());
    assertThat(MlflowRest.tag(parent, "ctrace.git_commit")).isEqualTo(git.commit()).isNotEmpty();
    assertThat(MlflowRest.tag(parent, "mlflow.note.content")).isEqualTo("`ctrace run study.conf`");
    assertThat(parent.path("info").path("run_name").asText())
        .startsWith(f.experiment + " ")
        .endsWith(" " + git.commit().substring(0, 7));
    assertThat(rest.experimentTags(experimentId))
        .containsEntry("mlflow.experimentKind", "custom_model_development");
    String parentId = parent.path("info").path("run_id").asText();
    assertThat(rest.artifact(experimentId, parentId, "study.conf"))
        .isEqualTo("experiment { name = study }\n");

    JsonNode train = cellRun(rest, experimentId, "c-train");
    JsonNode probe = cellRun(rest, experimentId, "c-probe");
    JsonNode attempt = cellRun(rest, experimentId, "c-attr");
    JsonNode extra = cellRun(rest, experimentId, "c-extra");
    assertThat(MlflowRest.tag(train, "mlflow.parentRunId")).isEqualTo(parentId);
    assertThat(MlflowRest.tag(probe, "mlflow.parentRunId")).isEqualTo(parentId);
    assertThat(MlflowRest.tag(attempt, "mlflow.parentRunId")).isEqualTo(parentId);
    assertThat(MlflowRest.tag(extra, "mlflow.parentRunId"))
        .isEqualTo(storeParent.path("info").path("run_id").asText());

    assertThat(status(train)).isEqualTo("FINISHED");
    assertThat(status(probe)).isEqualTo("FINISHED");
    assertThat(status(attempt)).isEqualTo("FAILED");
    assertThat(MlflowRest.tag(attempt, "ctrace.message")).isEqualTo("out of memory");
    assertThat(MlflowRest.tag(attempt, "ctrace.record")).startsWith("attempt-").endsWith("-FAILED");

    assertThat(MlflowRest.tag(probe, "ctrace.stage")).isEqualTo("probe");
    assertThat(MlflowRest.tag(probe, "ctrace.inputs")).isEqualTo("c-train");
    assertThat(MlflowRest.tag(probe, "ctrace.git_commit")).isEqualTo(git.commit());
    assertThat(probe.path("info").path("run_name").asText()).isEqualTo("probe wavy layer3");
    assertThat(MlflowRest.tag(probe, "coord.concept")).isEqualTo("wavy");
    assertThat(MlflowRest.params(probe))
        .containsEntry("coord.layer", "layer3")
        .containsEntry("coord.concept", "wavy")
        .containsEntry("settings.probe.k", "16")
        .containsEntry("settings.probe.layers", "[\"layer3\"]")
        .containsEntry("seed", "11");
    assertThat(MlflowRest.params(train))
        .containsEntry("settings.training.epochs", "3")
        .containsEntry("settings.training.lr", "0.1")
        .containsEntry("settings.model", "resnet18-small");
    assertThat(MlflowRest.tag(train, "ctrace.provenance.djl")).isEqualTo("0.36.0");
    // Datasets as MLflow sees them: the splits the model trained on, the probe's concept set.
    assertThat(datasets(rest, train))
        .containsExactlyInAnyOrder("synthetic train/training", "synthetic val/validation");
    assertThat(datasets(rest, probe)).containsExactly("concept wavy/concept");
    assertThat(
            rest.get("runs/get", Map.of("run_id", probe.path("info").path("run_id").asText()))
                .path("run")
                .path("inputs")
                .path("dataset_inputs")
                .get(0)
                .path("dataset")
                .path("profile")
                .asText())
        .contains("\"classes\":[\"snake\",\"worm\"]");

    String trainId = train.path("info").path("run_id").asText();
    assertThat(rest.history(trainId, "loss"))
        .extracting(p -> p[0], p -> p[1])
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0.0, 1.0),
            org.assertj.core.groups.Tuple.tuple(1.0, 0.5),
            org.assertj.core.groups.Tuple.tuple(2.0, 1.0 / 3));
    assertThat(rest.history(trainId, "val.accuracy")).hasSize(3);
    assertThat(rest.history(trainId, "time.total"))
        .singleElement()
        .satisfies(p -> assertThat(p[1]).isEqualTo(1.5));
    assertThat(rest.artifact(experimentId, trainId, "weights.txt")).isEqualTo("weights of c-train");
    assertThat(rest.artifact(experimentId, trainId, "curves/notes.txt")).isEqualTo("notes\nline 2");
    assertThat(rest.artifact(experimentId, trainId, "cell.json"))
        .contains("\"cellId\" : \"c-train\"");

    // Twice: nothing new.
    StoreSync.Summary second =
        new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));
    assertThat(second.created()).isZero();
    assertThat(second.parents()).isZero();
    assertThat(second.upToDate()).isEqualTo(4);
    assertThat(rest.runs(experimentId, "")).hasSize(6);

    // An interrupted sync left a run without its terminal status: the next sync replaces it.
    try (CellWriter w = f.store.open(f.experiment, "probe", "c-late")) {
      w.metric("accuracy", 0, 0.7);
      w.commit(w.recordBuilder().coordinates(Map.of("layer", "layer4")).build());
    }
    String storeParentId = storeParent.path("info").path("run_id").asText();
    rest.post(
        "runs/create",
        Map.of(
            "experiment_id",
            experimentId,
            "tags",
            List.of(
                Map.of("key", "ctrace.cell_id", "value", "c-late"),
                Map.of("key", "ctrace.record", "value", "result"),
                Map.of("key", "ctrace.kind", "value", "cell"),
                Map.of("key", "mlflow.parentRunId", "value", storeParentId))));
    StoreSync.Summary third = new StoreSync(f.store, server.connection(), s -> {}).sync(List.of());
    assertThat(third.created()).isEqualTo(1);
    assertThat(third.replaced()).isEqualTo(1);
    assertThat(third.upToDate()).isEqualTo(4);
    JsonNode late = cellRun(rest, experimentId, "c-late");
    assertThat(status(late)).isEqualTo("FINISHED");
    assertThat(MlflowRest.tag(late, "mlflow.parentRunId")).isEqualTo(storeParentId);
    assertThat(rest.runs(experimentId, "")).hasSize(7);
  }

  @Test
  void liveLoggingProducesTheRunsThatSyncWouldAndSyncAddsNothing(TestServer server)
      throws Exception {
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "live");
    Path experimentFile = dir.resolve("live.conf");
    Files.writeString(experimentFile, "experiment { name = live }\n");
    List<String> warnings = new ArrayList<>();
    Invocation invocation = Invocation.begin(f.experiment, experimentFile, "ctrace run live.conf");
    try (TrackingSink sink =
        Tracking.open(f.store, Optional.of(server.connection()), warnings::add)) {
      sink.startInvocation(invocation);
      f.trainCell(sink, "l-train");
      f.failedAttempt(sink, "l-attr");
      sink.endInvocation(CellStatus.FAILED);
    }
    assertThat(warnings).isEmpty();

    MlflowRest rest = server.rest();
    String experimentId = rest.experimentId(f.experiment);
    JsonNode parent = only(rest.runs(experimentId, "tags.ctrace.kind = 'invocation'"));
    assertThat(status(parent)).isEqualTo("FAILED");
    assertThat(MlflowRest.tag(parent, "ctrace.invocation_id")).isEqualTo(invocation.id());
    String parentId = parent.path("info").path("run_id").asText();
    assertThat(rest.artifact(experimentId, parentId, "live.conf")).contains("name = live");

    JsonNode train = cellRun(rest, experimentId, "l-train");
    JsonNode attempt = cellRun(rest, experimentId, "l-attr");
    assertThat(status(train)).isEqualTo("FINISHED");
    assertThat(status(attempt)).isEqualTo("FAILED");
    assertThat(MlflowRest.tag(train, "mlflow.parentRunId")).isEqualTo(parentId);
    assertThat(MlflowRest.tag(attempt, "mlflow.parentRunId")).isEqualTo(parentId);
    assertThat(MlflowRest.tag(train, "ctrace.record")).isEqualTo("result");
    assertThat(MlflowRest.params(train)).containsEntry("settings.training.epochs", "3");
    String trainId = train.path("info").path("run_id").asText();
    assertThat(rest.history(trainId, "loss")).extracting(p -> p[0]).containsExactly(0.0, 1.0, 2.0);
    assertThat(rest.artifact(experimentId, trainId, "weights.txt")).isEqualTo("weights of l-train");

    StoreSync.Summary sync =
        new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));
    assertThat(sync.created()).isZero();
    assertThat(sync.parents()).isZero();
    assertThat(sync.upToDate()).isEqualTo(2);
    assertThat(rest.runs(experimentId, "")).hasSize(3);
  }

  @Test
  void theReportsSummaryMetricsSitOnTheParentAndACachedRerunAddsNoParent(TestServer server) {
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "summary");
    List<String> warnings = new ArrayList<>();
    Invocation first =
        Invocation.begin(f.experiment, null, "ctrace run s.conf", "Does the concept survive?");
    try (TrackingSink sink = Tracking.open(f.store, Optional.empty(), warnings::add)) {
      sink.startInvocation(first);
      f.reportCell(sink, "r-report", Map.of("probe.wavy.layer3.dense.acc_mean", 0.91));
      sink.endInvocation(CellStatus.FINISHED);
    }
    // A rerun that finds everything cached, journaled offline, then one logged live.
    try (TrackingSink sink = Tracking.open(f.store, Optional.empty(), warnings::add)) {
      sink.startInvocation(Invocation.begin(f.experiment, null, "ctrace run s.conf"));
      sink.endInvocation(CellStatus.FINISHED);
    }
    new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));
    try (TrackingSink sink =
        Tracking.open(f.store, Optional.of(server.connection()), warnings::add)) {
      sink.startInvocation(Invocation.begin(f.experiment, null, "ctrace run s.conf"));
      sink.endInvocation(CellStatus.FINISHED);
    }
    assertThat(warnings).isEmpty();

    MlflowRest rest = server.rest();
    String experimentId = rest.experimentId(f.experiment);
    JsonNode parent = only(rest.runs(experimentId, "tags.ctrace.kind = 'invocation'"));
    assertThat(MlflowRest.tag(parent, "ctrace.invocation_id")).isEqualTo(first.id());
    assertThat(
            rest.history(
                parent.path("info").path("run_id").asText(), "probe.wavy.layer3.dense.acc_mean"))
        .singleElement()
        .satisfies(p -> assertThat(p[1]).isEqualTo(0.91));
    JsonNode report = cellRun(rest, experimentId, "r-report");
    assertThat(
            rest.history(
                report.path("info").path("run_id").asText(), "probe.wavy.layer3.dense.acc_mean"))
        .hasSize(1);
    assertThat(rest.experimentTags(experimentId))
        .containsEntry("mlflow.experimentKind", "custom_model_development")
        .containsEntry("mlflow.note.content", "Does the concept survive?");
  }

  @Test
  void aRedrawnReportBelongsToTheInvocationThatRedrewItAndTheFirstGetsNoEmptyParent(
      TestServer server) {
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "redraw");
    Invocation run = Invocation.begin(f.experiment, null, "ctrace run s.conf");
    try (TrackingSink sink = Tracking.open(f.store, Optional.empty(), s -> {})) {
      sink.startInvocation(run);
      f.reportCell(sink, "r-report", Map.of("probe.wavy.layer3.dense.acc_mean", 0.5));
      sink.endInvocation(CellStatus.FINISHED);
    }
    // `ctrace report` redraws the same cell: the store now holds only the second result.
    Invocation redraw = Invocation.begin(f.experiment, null, "ctrace report s.conf");
    try (TrackingSink sink = Tracking.open(f.store, Optional.empty(), s -> {})) {
      sink.startInvocation(redraw);
      f.reportCell(
          sink, "r-report", Map.of("probe.wavy.layer3.dense.acc_mean", 0.75), Map.of(), true);
      sink.endInvocation(CellStatus.FINISHED);
    }

    StoreSync.Summary summary =
        new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));

    assertThat(summary.parents()).isEqualTo(1);
    MlflowRest rest = server.rest();
    String experimentId = rest.experimentId(f.experiment);
    JsonNode parent = only(rest.runs(experimentId, "tags.ctrace.kind = 'invocation'"));
    assertThat(MlflowRest.tag(parent, "ctrace.invocation_id")).isEqualTo(redraw.id());
    JsonNode report = cellRun(rest, experimentId, "r-report");
    assertThat(MlflowRest.tag(report, "mlflow.parentRunId"))
        .isEqualTo(parent.path("info").path("run_id").asText());
    assertThat(
            rest.history(
                parent.path("info").path("run_id").asText(), "probe.wavy.layer3.dense.acc_mean"))
        .singleElement()
        .satisfies(p -> assertThat(p[1]).isEqualTo(0.75));
  }

  @Test
  void theReportsFiguresAreLoggedImagesThatTheUiFindsAndASecondSyncAddsNone(TestServer server)
      throws Exception {
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "figures");
    byte[] png = LoggedImagesTest.png(600, 300);
    f.reportCell(
        TrackingSink.none(),
        "r-figures",
        Map.of("probe.wavy.layer3.dense.acc_mean", 0.9),
        Map.of(
            "report/probe-accuracy-by-layer.png", png, "report/index.html", "<html>".getBytes()));

    new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));
    StoreSync.Summary again =
        new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));

    MlflowRest rest = server.rest();
    String experimentId = rest.experimentId(f.experiment);
    JsonNode report = cellRun(rest, experimentId, "r-figures");
    String runId = report.path("info").path("run_id").asText();
    assertThat(MlflowRest.tag(report, "mlflow.loggedImages")).isEqualTo("true");
    List<String> images = rest.artifactPaths(runId, "images");
    // The names MLflow's UI parses: KEY+step+N+timestamp+MILLIS+UUID[+compressed].EXT
    assertThat(images)
        .hasSize(2)
        .allMatch(
            p ->
                p.matches(
                    "images/probe-accuracy-by-layer\\+step\\+0\\+timestamp\\+\\d+\\+[0-9a-f-]{36}"
                        + "(\\+compressed)?\\.png"));
    String full = images.stream().filter(p -> !p.contains("compressed")).findFirst().orElseThrow();
    assertThat(rest.artifact(experimentId, runId, full).length()).isPositive();
    assertThat(again.artifacts()).isZero();
    assertThat(rest.artifactPaths(runId, "images")).isEqualTo(images);
  }

  /** The run's dataset inputs as {@code NAME/CONTEXT}. */
  static List<String> datasets(MlflowRest rest, JsonNode run) {
    List<String> out = new ArrayList<>();
    JsonNode got = rest.get("runs/get", Map.of("run_id", run.path("info").path("run_id").asText()));
    for (JsonNode input : got.path("run").path("inputs").path("dataset_inputs")) {
      String context = "";
      for (JsonNode t : input.path("tags")) {
        if (t.path("key").asText().equals("mlflow.data.context")) {
          context = t.path("value").asText();
        }
      }
      out.add(input.path("dataset").path("name").asText() + "/" + context);
    }
    return out;
  }

  static JsonNode cellRun(MlflowRest rest, String experimentId, String cellId) {
    return only(rest.runs(experimentId, "tags.ctrace.cell_id = '" + cellId + "'"));
  }

  static JsonNode only(List<JsonNode> runs) {
    assertThat(runs).hasSize(1);
    return runs.get(0);
  }

  static String status(JsonNode run) {
    return run.path("info").path("status").asText();
  }
}
