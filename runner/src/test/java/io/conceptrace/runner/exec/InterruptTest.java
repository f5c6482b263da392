package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops a real run with SIGTERM (the JVM handles SIGINT, i.e. Ctrl-C, through the same shutdown
 * hook; SIGINT is not used here because a process started in the background may have it ignored).
 */
@Tag("slow")
class InterruptTest {

  @Test
  void aSignalRecordsRunningCellsKilledKeepsFinishedOnesAndTheRerunCompletes(
      @TempDir Path root, @TempDir Path reference) throws Exception {
    List<String> running;
    try (SubprocessRun run = SubprocessRun.start(root, 2, 200, true, 20_000)) {
      assertThat(run.awaitLine(l -> l.startsWith("ENDED "))).isTrue();
      assertThat(run.awaitLine(l -> l.startsWith("STARTED "))).isTrue();
      // SIGTERM; Process.destroy() would also close our end of its stdout.
      run.process.toHandle().destroy();
      assertThat(run.finish()).isEqualTo(143); // 128 + SIGTERM
      running = startedNotEnded(run.lines);
      assertThat(run.lines).contains("RESULT INCOMPLETE");
      assertThat(run.lines.stream().filter(l -> l.endsWith(" KILLED")))
          .hasSameSizeAs(running)
          .isNotEmpty();
    }
    RunStore store = new RunStore(root);
    List<CellRecord> attempts = store.attempts(SyntheticDag.EXPERIMENT);
    assertThat(attempts).allMatch(a -> a.status() == CellStatus.KILLED);
    assertThat(attempts)
        .extracting(CellRecord::message)
        .allMatch(m -> m.contains("interrupted"), "names the interruption");
    assertThat(store.cells(SyntheticDag.EXPERIMENT)).isNotEmpty(); // the finished cell is kept
    assertThat(store.removeAbandonedTemporaries(SyntheticDag.EXPERIMENT)).isZero();

    try (SubprocessRun again = SubprocessRun.start(root, 2, 1, true, 5000)) {
      assertThat(again.finish()).isZero();
    }
    assertThat(SyntheticDag.values(root)).isEqualTo(referenceValues(reference));
  }

  @Test
  void cellsThatIgnoreCancellationAreRecordedKilledAfterTheGracePeriod(@TempDir Path root)
      throws Exception {
    try (SubprocessRun run = SubprocessRun.start(root, 2, 400, false, 300)) {
      assertThat(run.awaitLine(l -> l.startsWith("STARTED "))).isTrue();
      assertThat(run.awaitLine(l -> l.startsWith("STARTED "))).isTrue();
      run.process.toHandle().destroy();
      assertThat(run.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    List<CellRecord> attempts = new RunStore(root).attempts(SyntheticDag.EXPERIMENT);
    assertThat(attempts).isNotEmpty().allMatch(a -> a.status() == CellStatus.KILLED);
    try (SubprocessRun again = SubprocessRun.start(root, 2, 1, true, 5000)) {
      assertThat(again.finish()).isZero();
    }
    assertThat(SyntheticDag.values(root)).hasSize(SyntheticDag.cells().size());
  }

  private static List<String> startedNotEnded(List<String> lines) {
    return lines.stream()
        .filter(l -> l.startsWith("STARTED "))
        .map(l -> l.substring("STARTED ".length()))
        .filter(id -> lines.stream().noneMatch(l -> l.startsWith("ENDED " + id + " FINISHED")))
        .toList();
  }

  private static Map<String, Long> referenceValues(Path root) {
    new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                new RunStore(root),
                SyntheticDag.runners(1, Set.of(), true, new AtomicInteger()),
                List.of(),
                new RunPolicy(false),
                Map.of()),
            new LocalExecutor(2),
            new ExecutionListener() {});
    return SyntheticDag.values(root);
  }
}
