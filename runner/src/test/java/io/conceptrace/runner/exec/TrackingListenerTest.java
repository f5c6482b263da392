package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.mlflow.CellStart;
import io.conceptrace.mlflow.GitState;
import io.conceptrace.mlflow.Invocation;
import io.conceptrace.mlflow.TrackingSink;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackingListenerTest {
  @TempDir Path root;

  /** Records the calls it gets, one line each. */
  static final class RecordingSink implements TrackingSink {
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void startInvocation(Invocation invocation) {
      calls.add("start " + invocation.experiment());
    }

    @Override
    public void cellStarted(CellStart cell) {
      calls.add("cell " + cell.cellId() + " " + cell.coordinates());
    }

    @Override
    public void metric(String cellId, Metric metric) {
      calls.add("metric " + cellId + " " + metric.name());
    }

    @Override
    public void cellEnded(CellRecord record, Path artifacts) {
      calls.add("ended " + record.cellId() + " " + record.status() + " " + (artifacts != null));
    }

    @Override
    public void endInvocation(CellStatus status) {
      calls.add("end " + status);
    }

    @Override
    public void close() {}
  }

  @Test
  void everyExecutedCellIsReportedWithItsMetricsAndHowItEnded() {
    RecordingSink sink = new RecordingSink();
    Invocation inv =
        new Invocation(
            "i1", SyntheticDag.EXPERIMENT, "", "ctrace run", Instant.now(), GitState.NONE);
    new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                new RunStore(root),
                SyntheticDag.runners(0, Set.of("a0001"), true, new AtomicInteger()),
                List.of(),
                new RunPolicy(true),
                Map.of()),
            new LocalExecutor(1),
            new TrackingListener(sink, inv));
    assertThat(sink.calls.get(0)).isEqualTo("start synthetic");
    assertThat(sink.calls.get(sink.calls.size() - 1)).isEqualTo("end FAILED");
    assertThat(sink.calls).contains("cell a0000 {name=a0000}", "metric a0000 loss");
    assertThat(sink.calls).contains("ended a0000 FINISHED true", "ended a0001 FAILED false");
    // Blocked cells never started, so they have no run.
    assertThat(sink.calls).noneMatch(c -> c.startsWith("cell b0000"));
    assertThat(sink.calls.stream().filter(c -> c.startsWith("metric a0000"))).hasSize(5);
  }
}
