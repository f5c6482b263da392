package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.Metric;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops a real server in the middle of live logging: the study goes on, one warning says so, and a
 * later sync (after the server is back) fills the gap. Uses its own server, since it must stop it.
 */
@Tag("slow")
class LiveTrackingOutageTest {
  @TempDir Path dir;

  @Test
  void serverStoppedMidRunGivesOneWarningAndSyncFillsTheGap() throws Exception {
    Path data = dir.resolve("server");
    StoreFixture f = new StoreFixture(dir.resolve("runs"), "outage");
    List<String> warnings = new CopyOnWriteArrayList<>();
    LocalMlflowServer server = LocalMlflowServer.start(data, 0, MlflowServerExtension.STARTUP);
    int port = server.port();
    MlflowRest rest = new MlflowRest(server.url());
    Invocation invocation = Invocation.begin(f.experiment, null, "ctrace run outage.conf");
    try {
      try (TrackingSink sink =
          Tracking.open(f.store, Optional.of(server.connection()), warnings::add)) {
        sink.startInvocation(invocation);
        f.trainCell(sink, "o-before");
        // Cell "o-during" starts and logs one value while the server is up...
        sink.cellStarted(
            new CellStart("o-during", "probe", Map.of("layer", "layer2"), Map.of(), List.of(), 5));
        sink.metric("o-during", new Metric("loss", 0, 0.9, 3_000L));
        awaitTrue(
            () -> {
              String id = rest.experimentId(f.experiment);
              if (id == null) {
                return false;
              }
              List<JsonNode> runs = rest.runs(id, "tags.ctrace.cell_id = 'o-during'");
              return runs.size() == 1
                  && !runs.get(0).path("data").path("metrics").isEmpty()
                  && !rest.runs(
                          id, "tags.ctrace.cell_id = 'o-before' and attributes.status = 'FINISHED'")
                      .isEmpty();
            });
        // ...then the server goes away.
        server.close();
        assertThatCode(
                () -> {
                  try (CellWriter w = f.store.open(f.experiment, "probe", "o-during")) {
                    for (int step = 0; step < 3; step++) {
                      Metric m = new Metric("loss", step, 0.9 - 0.1 * step, 3_000L + step);
                      w.metric(m);
                      if (step > 0) {
                        sink.metric("o-during", m);
                      }
                    }
                    StoredCell cell =
                        w.commit(
                            w.recordBuilder()
                                .coordinates(Map.of("layer", "layer2"))
                                .seed(5)
                                .build());
                    sink.cellEnded(cell);
                  }
                  f.trainCell(sink, "o-after");
                  sink.endInvocation(CellStatus.FINISHED);
                })
            .doesNotThrowAnyException();
      }
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains(server.url()).contains("ctrace mlflow sync");

      // The server comes back (same database); sync uploads what it missed.
      server = LocalMlflowServer.start(data, port, MlflowServerExtension.STARTUP);
      StoreSync.Summary summary =
          new StoreSync(f.store, server.connection(), s -> {}).sync(List.of(f.experiment));
      assertThat(summary.upToDate()).isEqualTo(1); // o-before made it live
      assertThat(summary.created()).isEqualTo(2);
      assertThat(summary.replaced()).isEqualTo(1); // o-during's unfinished live run
      assertThat(summary.parents()).isZero(); // the live parent is reused

      String experimentId = rest.experimentId(f.experiment);
      JsonNode parent =
          StoreSyncTest.only(rest.runs(experimentId, "tags.ctrace.kind = 'invocation'"));
      assertThat(StoreSyncTest.status(parent)).isEqualTo("FINISHED");
      String parentId = parent.path("info").path("run_id").asText();
      for (String cell : List.of("o-before", "o-during", "o-after")) {
        JsonNode run = StoreSyncTest.cellRun(rest, experimentId, cell);
        assertThat(StoreSyncTest.status(run)).as(cell).isEqualTo("FINISHED");
        assertThat(MlflowRest.tag(run, "mlflow.parentRunId")).as(cell).isEqualTo(parentId);
      }
      String during =
          StoreSyncTest.cellRun(rest, experimentId, "o-during")
              .path("info")
              .path("run_id")
              .asText();
      assertThat(rest.history(during, "loss")).extracting(p -> p[0]).containsExactly(0.0, 1.0, 2.0);
      assertThat(rest.runs(experimentId, "")).hasSize(4);
    } finally {
      server.close();
    }
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime())
          .as("live logging reached the server in time")
          .isLessThan(deadline);
      Thread.sleep(100);
    }
  }
}
