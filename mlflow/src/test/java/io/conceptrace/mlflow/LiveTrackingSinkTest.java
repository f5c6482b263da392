package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class LiveTrackingSinkTest {

  @Test
  void anUnreachableServerGivesOneWarningAndNeverAnException() {
    String uri = "http://127.0.0.1:" + LocalMlflowServer.freePort();
    List<String> warnings = new CopyOnWriteArrayList<>();
    LiveTrackingSink sink =
        new LiveTrackingSink(MlflowConnection.of(uri), warnings::add, Duration.ofSeconds(30));
    sink.startInvocation(Invocation.begin("e", null, "ctrace run"));
    for (int i = 0; i < 20; i++) {
      String id = "c" + i;
      sink.cellStarted(new CellStart(id, "probe", Map.of(), Map.of(), List.of(), i));
      sink.metric(id, new Metric("loss", 0, 1.0, 0));
      sink.cellEnded(CellRecord.builder(id, "e", "probe").build(), null);
    }
    sink.endInvocation(CellStatus.FINISHED);
    sink.close();
    sink.close(); // idempotent
    assertThat(sink.broken()).isTrue();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0))
        .startsWith("MLflow live logging to " + uri + " stopped: ")
        .contains("every result is in the run store")
        .contains("ctrace mlflow sync");
  }
}
