package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damages finished cells in four ways (a truncated file, a deleted file, a garbage {@code
 * cell.json}, a deleted {@code cell.json}), and shows that the planner reports each as damaged with
 * its reason, and that a run moves them aside, recomputes them and everything downstream, and ends
 * with byte-identical artifacts and the same numbers as the undamaged store.
 */
class DamagedCellRepairTest {
  @TempDir Path root;

  @Test
  void planReportsDamageAndRunRepairsItWithIdenticalResults() throws Exception {
    RunStore store = new RunStore(root);
    assertThat(run(store, new AtomicInteger()).report().succeeded()).isTrue();
    Map<String, byte[]> original = artifactBytes(store);
    Map<String, Long> values = SyntheticDag.values(root);
    Map<String, Instant> computedAt = new HashMap<>();
    store
        .cells(SyntheticDag.EXPERIMENT)
        .forEach(c -> computedAt.put(c.record().cellId(), c.record().startedAt()));

    Path a1 = cellDir("a", "a0001");
    try (RandomAccessFile f = new RandomAccessFile(a1.resolve("value.txt").toFile(), "rw")) {
      f.setLength(1);
    }
    Files.delete(cellDir("b", "b0003").resolve("cell.json"));
    Files.writeString(cellDir("c", "c0000").resolve("cell.json"), "{\"cellId\": garbage");
    Files.delete(cellDir("d", "d0000").resolve("partial.txt"));

    ExecutionPlan plan =
        Planner.plan(SyntheticDag.EXPERIMENT, SyntheticDag.cells(), store, List.of());
    assertThat(plan.damaged())
        .containsOnlyKeys("a0001", "b0003", "c0000", "d0000")
        .containsEntry(
            "a0001",
            "value.txt has 1 bytes, cell.json records " + original.get("a0001/value.txt").length)
        .containsEntry("b0003", "cell.json is missing")
        .containsEntry("d0000", "partial.txt is missing");
    assertThat(plan.damaged().get("c0000")).startsWith("cell.json is not a cell record: ");
    // What read a damaged cell is recomputed too; the rest stays cached.
    assertThat(plan.replaced()).containsExactlyInAnyOrder("b0000", "b0001", "c0001");
    assertThat(plan.cached()).containsExactlyInAnyOrder("a0000", "a0002", "a0003", "b0002");

    AtomicInteger executed = new AtomicInteger();
    Pipeline.Result repaired = run(store, executed);
    assertThat(repaired.report().succeeded()).isTrue();
    assertThat(executed.get()).isEqualTo(7);
    assertThat(SyntheticDag.values(root)).isEqualTo(values);
    Map<String, byte[]> after = artifactBytes(store);
    assertThat(after.keySet()).isEqualTo(original.keySet());
    original.forEach((file, bytes) -> assertThat(after.get(file)).as(file).isEqualTo(bytes));
    for (String id : plan.cached()) {
      StoredCell kept =
          store.cells(SyntheticDag.EXPERIMENT).stream()
              .filter(c -> c.record().cellId().equals(id))
              .findFirst()
              .orElseThrow();
      assertThat(kept.record().startedAt()).as("%s was reused", id).isEqualTo(computedAt.get(id));
    }

    // The damaged directories were moved aside, whole, never deleted.
    for (String stageAndId : List.of("a/a0001", "b/b0003", "c/c0000", "d/d0000")) {
      Path attempts =
          root.resolve(SyntheticDag.EXPERIMENT).resolve(".attempts").resolve(stageAndId);
      try (Stream<Path> kept = Files.list(attempts)) {
        Path moved =
            kept.filter(p -> p.getFileName().toString().endsWith("-DAMAGED"))
                .findFirst()
                .orElseThrow();
        assertThat(moved.resolve("value.txt")).exists();
      }
    }
    ExecutionPlan again =
        Planner.plan(SyntheticDag.EXPERIMENT, SyntheticDag.cells(), store, List.of());
    assertThat(again.damaged()).isEmpty();
    assertThat(again.cached()).hasSize(SyntheticDag.cells().size());
  }

  @Test
  void aForcedCellThatFailsKeepsItsPreviousOutput() throws Exception {
    RunStore store = new RunStore(root);
    assertThat(run(store, new AtomicInteger()).report().succeeded()).isTrue();
    long before = SyntheticDag.values(root).get("d0000");
    Pipeline.Result forced =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    SyntheticDag.EXPERIMENT,
                    SyntheticDag.cells(),
                    store,
                    SyntheticDag.runners(1, Set.of("d0000"), true, new AtomicInteger()),
                    List.of("d"),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(2),
                new ExecutionListener() {});
    assertThat(forced.report().succeeded()).isFalse();
    assertThat(forced.report().failures())
        .singleElement()
        .satisfies(f -> assertThat(f.message()).contains("loss is NaN"));
    // The old, good output is still there and still intact.
    assertThat(SyntheticDag.values(root)).containsEntry("d0000", before);
    assertThat(
            Planner.plan(SyntheticDag.EXPERIMENT, SyntheticDag.cells(), store, List.of()).cached())
        .contains("d0000");
  }

  private Pipeline.Result run(RunStore store, AtomicInteger executed) {
    return new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                store,
                SyntheticDag.runners(1, Set.of(), true, executed),
                List.of(),
                new RunPolicy(false),
                Map.of()),
            new LocalExecutor(2),
            new ExecutionListener() {});
  }

  private Path cellDir(String stage, String id) {
    return root.resolve(SyntheticDag.EXPERIMENT).resolve(stage).resolve(id);
  }

  /**
   * Every artifact's bytes, as {@code CELL_ID/FILE}; metrics carry wall-clock times, so not them.
   */
  private static Map<String, byte[]> artifactBytes(RunStore store) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (StoredCell c : store.cells(SyntheticDag.EXPERIMENT)) {
      for (String a : c.artifacts()) {
        out.put(c.record().cellId() + "/" + a, Files.readAllBytes(c.artifact(a)));
      }
    }
    return out;
  }
}
