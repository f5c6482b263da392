package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kills a real run with SIGKILL at several points, runs the same command again, and checks that the
 * study completes with exactly the numbers of an uninterrupted run, reusing what was complete and
 * nothing partial.
 */
@Tag("slow")
class ResumeAfterKillTest {
  private static final int CELLS = SyntheticDag.cells().size();
  private static Map<String, Long> reference;

  @BeforeAll
  static void uninterruptedRun(@TempDir Path root) {
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
            new LocalExecutor(1),
            new ExecutionListener() {});
    reference = SyntheticDag.values(root);
    assertThat(reference).hasSize(CELLS);
  }

  @ParameterizedTest(name = "killed at ''{0}''")
  @ValueSource(strings = {"STARTED 1", "ENDED 3", "STARTED 6", "ENDED 8", "STARTED 11"})
  void aRunKilledAnywhereResumesToTheSameNumbers(String killAt, @TempDir Path root)
      throws Exception {
    String[] at = killAt.split(" ");
    int nth = Integer.parseInt(at[1]);
    AtomicInteger seen = new AtomicInteger();
    Predicate<String> moment = l -> l.startsWith(at[0] + " ") && seen.incrementAndGet() == nth;
    try (SubprocessRun first = SubprocessRun.start(root, 2, 40, true, 5000)) {
      assertThat(first.awaitLine(moment)).as("reached %s", killAt).isTrue();
      // A kill lands between steps of a cell, not in step with an announcement.
      Thread.sleep(30);
      first.process.destroyForcibly(); // SIGKILL: no hooks, no finally blocks
      assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    RunStore store = new RunStore(root);
    Map<String, Instant> completeBefore = new HashMap<>();
    for (StoredCell c : store.cells(SyntheticDag.EXPERIMENT)) {
      completeBefore.put(c.record().cellId(), c.record().startedAt());
      assertThat(SyntheticDag.value(c)).isEqualTo(reference.get(c.record().cellId()));
    }

    try (SubprocessRun again = SubprocessRun.start(root, 2, 1, true, 5000)) {
      assertThat(again.finish()).as("output %s", again.lines).isZero();
      assertThat(again.lines).contains("RESULT OK", "EXECUTED " + (CELLS - completeBefore.size()));
      assertThat(again.count("STARTED ")).isEqualTo(CELLS - completeBefore.size());
    }
    assertThat(SyntheticDag.values(root)).isEqualTo(reference);
    // What was complete before the kill was reused, not recomputed.
    for (StoredCell c : store.cells(SyntheticDag.EXPERIMENT)) {
      if (completeBefore.containsKey(c.record().cellId())) {
        assertThat(c.record().startedAt()).isEqualTo(completeBefore.get(c.record().cellId()));
      }
      assertThat(c.artifacts()).containsExactly("partial.txt", "value.txt");
    }
    // Nothing partial is left behind.
    Path tmp = root.resolve(SyntheticDag.EXPERIMENT).resolve(".tmp");
    if (Files.isDirectory(tmp)) {
      try (Stream<Path> left = Files.list(tmp)) {
        assertThat(left).isEmpty();
      }
    }
  }
}
