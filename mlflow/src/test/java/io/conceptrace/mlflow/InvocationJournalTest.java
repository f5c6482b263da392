package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvocationJournalTest {
  @TempDir Path dir;

  @Test
  void theOfflineSinkJournalsStartCellsAndEndWithACopyOfTheExperimentFile() throws Exception {
    RunStore store = new RunStore(dir.resolve("runs"));
    Path file = dir.resolve("study.conf");
    Files.writeString(file, "experiment { name = study }");
    Invocation inv =
        new Invocation("inv-1", "study", file.toString(), "ctrace run", Instant.now(), null);
    CellRecord ok = CellRecord.builder("c1", "study", "probe").build();
    CellRecord failed =
        CellRecord.builder("c2", "study", "probe")
            .status(CellStatus.KILLED, "interrupted")
            .finishedAt(Instant.ofEpochMilli(5))
            .build();
    try (TrackingSink sink = Tracking.open(store, Optional.empty())) {
      sink.startInvocation(inv);
      assertThat(InvocationJournal.read(store, "study"))
          .singleElement()
          .satisfies(e -> assertThat(e.running()).isTrue())
          .satisfies(e -> assertThat(e.abandoned()).isFalse()); // this very process
      sink.cellEnded(ok, null);
      sink.cellEnded(failed, null);
      sink.endInvocation(CellStatus.KILLED);
    }
    InvocationJournal.Entry entry = InvocationJournal.read(store, "study").get(0);
    assertThat(entry.invocation()).isEqualTo(inv);
    assertThat(entry.status()).isEqualTo("KILLED");
    assertThat(entry.finishedAt()).isNotNull();
    assertThat(entry.records()).isEqualTo(List.of("c1/result", "c2/attempt-5-KILLED"));
    assertThat(InvocationJournal.directory(store, inv).resolve("study.conf"))
        .hasContent("experiment { name = study }");
    // The journal is hidden from the store's experiment/stage listing.
    assertThat(store.cells("study")).isEmpty();
  }
}
