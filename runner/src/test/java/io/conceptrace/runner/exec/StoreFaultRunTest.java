package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import io.conceptrace.store.Verification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk (a 2 MB tmpfs) and a real read-only store: the run stops at the first fault,
 * names the operating system's reason and the path once, keeps the finished cells, and completes
 * after the disk has room again.
 */
@Tag("slow")
class StoreFaultRunTest {
  private static final int MB = 1 << 20;

  @Test
  void aFullDiskStopsTheRunWithTheReasonAndKeepsFinishedCells(@TempDir Path dir) throws Exception {
    Optional<Tmpfs> mounted = Tmpfs.mount(dir.resolve("small"), "2m");
    assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root");
    try (Tmpfs disk = mounted.get()) {
      RunStore store = new RunStore(disk.dir());
      List<String> started = new ArrayList<>();
      Pipeline.Result full = run(store, started);

      assertThat(full.storeFault()).isPresent();
      assertThat(full.storeFault().get().reason()).isEqualTo("No space left on device");
      assertThat(full.storeFault().get().path().toString()).startsWith(disk.dir().toString());
      assertThat(full.storeFault().get().advice()).contains("free space");
      CellOutcome failed = full.report().failures().get(0);
      assertThat(failed.message()).isEqualTo(full.storeFault().get().line());
      // Each a-cell writes 0.6 MB: some fit, and nothing started after the first fault.
      List<StoredCell> kept = store.cells(SyntheticDag.EXPERIMENT);
      assertThat(kept).isNotEmpty();
      assertThat(started).hasSize(kept.size() + 1);
      for (StoredCell c : kept) {
        assertThat(
                store
                    .check(
                        SyntheticDag.EXPERIMENT,
                        c.record().stage(),
                        c.record().cellId(),
                        Verification.FULL)
                    .isIntact())
            .isTrue();
      }

      disk.resize("16m");
      started.clear();
      Pipeline.Result again = run(store, started);
      assertThat(again.storeFault()).isEmpty();
      assertThat(again.report().succeeded()).isTrue();
      assertThat(started).hasSize(SyntheticDag.cells().size() - kept.size());
    }
  }

  @Test
  void aReadOnlyStoreFailsEveryCellTheSameWayAndTheRunSaysItOnce(@TempDir Path dir)
      throws Exception {
    Optional<Tmpfs> mounted = Tmpfs.mount(dir.resolve("ro"), "4m");
    assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root");
    try (Tmpfs disk = mounted.get()) {
      Files.createDirectories(disk.dir().resolve(SyntheticDag.EXPERIMENT));
      disk.readOnly(true);
      List<String> started = new ArrayList<>();
      Pipeline.Result result = run(new RunStore(disk.dir()), started);
      assertThat(result.storeFault()).isPresent();
      assertThat(result.storeFault().get().line())
          .startsWith("Read-only file system: " + disk.dir());
      assertThat(result.storeFault().get().advice()).contains("--store").doesNotContain("again");
      // The first cell's claim already fails: nothing else is tried.
      assertThat(result.report().failures()).hasSize(1);
      assertThat(started).isEmpty();
    }
  }

  private static Pipeline.Result run(RunStore store, List<String> started) {
    Map<String, StageRunner> runners = new LinkedHashMap<>();
    StageRunner bulky =
        new StageRunner() {
          @Override
          public StoredCell run(CellContext ctx) throws Exception {
            Files.write(ctx.file("value.txt"), "1".getBytes());
            Files.write(ctx.file("weights.bin"), new byte[6 * MB / 10]);
            return ctx.commit();
          }

          @Override
          public List<SummaryRow> summarize(List<StoredCell> cells) {
            return List.of();
          }
        };
    SyntheticDag.STAGES.forEach(s -> runners.put(s, bulky));
    return new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                store,
                runners,
                List.of(),
                new RunPolicy(true),
                Map.of()),
            new LocalExecutor(1),
            new ExecutionListener() {
              @Override
              public synchronized void cellStarted(PlannedCell cell) {
                started.add(cell.id());
              }
            });
  }
}
