package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real runs started together on one store share the work through per-cell claims: every cell is
 * computed exactly once (by one of them), both finish successfully, and the results equal one
 * run's.
 */
@Tag("slow")
class ConcurrentRunsTest {
  private static final int CELLS = SyntheticDag.cells().size();

  @Test
  void twoRunsOnOneStoreComputeEachCellOnceAndAgreeWithOneRun(@TempDir Path dir) throws Exception {
    Path root = dir.resolve("runs");
    Path go = dir.resolve("go");
    List<String> started = new ArrayList<>();
    try (SubprocessRun first = SubprocessRun.startOn(go, root, 2, 60);
        SubprocessRun second = SubprocessRun.startOn(go, root, 2, 60)) {
      assertThat(first.awaitLine(l -> l.equals("WAITING"))).isTrue();
      assertThat(second.awaitLine(l -> l.equals("WAITING"))).isTrue();
      Files.createFile(go);
      assertThat(first.finish()).as("first: %s", first.lines).isZero();
      assertThat(second.finish()).as("second: %s", second.lines).isZero();
      for (SubprocessRun r : List.of(first, second)) {
        assertThat(r.lines).contains("RESULT OK");
        r.lines.stream()
            .filter(l -> l.startsWith("STARTED "))
            .map(l -> l.substring("STARTED ".length()))
            .forEach(started::add);
      }
      // Both did part of the work: they shared it rather than one waiting for the other.
      assertThat(executed(first)).isPositive();
      assertThat(executed(second)).isPositive();
      assertThat(executed(first) + executed(second)).isEqualTo(CELLS);
    }
    assertThat(started).hasSize(CELLS).doesNotHaveDuplicates();
    // Nothing was attempted twice or left behind.
    RunStore store = new RunStore(root);
    assertThat(store.attempts(SyntheticDag.EXPERIMENT)).isEmpty();
    try (Stream<Path> claims =
        Files.list(root.resolve(SyntheticDag.EXPERIMENT).resolve(".claims"))) {
      assertThat(claims).isEmpty();
    }
    assertThat(SyntheticDag.values(root)).isEqualTo(oneRun(dir.resolve("alone")));
  }

  private static long executed(SubprocessRun run) {
    return run.lines.stream()
        .filter(l -> l.startsWith("EXECUTED "))
        .mapToLong(l -> Long.parseLong(l.substring("EXECUTED ".length())))
        .sum();
  }

  private static Map<String, Long> oneRun(Path root) {
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
