package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.runner.exec.slurm.SingleCellExecutor;
import io.conceptrace.store.CellClaims;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cell whose claim another process holds is not computed while it holds it: a Slurm job waits and
 * reports the other's result as cached; a local run does other work meanwhile and computes the cell
 * itself when the claim is released without a result.
 */
class ClaimedCellTest {
  @TempDir Path root;

  @Test
  void aSingleCellJobWaitsForTheOtherProcessAndReportsItsResultCached() throws Exception {
    RunStore store = new RunStore(root);
    AtomicInteger executed = new AtomicInteger();
    try (CellClaims other = claims(store)) {
      CellClaims.Claim held = other.tryClaim("a", "a0000").orElseThrow();
      Thread finisher =
          new Thread(
              () -> {
                try {
                  Thread.sleep(700);
                  try (CellWriter w = store.open(SyntheticDag.EXPERIMENT, "a", "a0000")) {
                    Files.writeString(w.file("value.txt"), "12345");
                    w.commit(w.recordBuilder().build());
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                } finally {
                  held.close();
                }
              });
      finisher.start();
      CellOutcome outcome =
          new Pipeline()
              .run(request(store, executed), new SingleCellExecutor("a0000"), quiet())
              .report()
              .outcomes()
              .get(0);
      finisher.join();
      assertThat(outcome.state()).isEqualTo(CellState.CACHED);
      assertThat(executed.get()).isZero();
      assertThat(SyntheticDag.values(root)).containsEntry("a0000", 12345L);
    }
  }

  @Test
  void aLocalRunDoesOtherCellsMeanwhileAndComputesTheCellWhenTheClaimIsGivenUp() throws Exception {
    RunStore store = new RunStore(root);
    AtomicInteger executed = new AtomicInteger();
    List<String> started = Collections.synchronizedList(new ArrayList<>());
    AtomicReference<Instant> released = new AtomicReference<>();
    AtomicReference<Instant> claimedCellStarted = new AtomicReference<>();
    try (CellClaims other = claims(store)) {
      CellClaims.Claim held = other.tryClaim("a", "a0000").orElseThrow();
      Thread giveUp =
          new Thread(
              () -> {
                try {
                  Thread.sleep(1500);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } finally {
                  released.set(Instant.now());
                  held.close();
                }
              });
      giveUp.start();
      Pipeline.Result result =
          new Pipeline()
              .run(
                  request(store, executed),
                  new LocalExecutor(2),
                  new ExecutionListener() {
                    @Override
                    public void cellStarted(PlannedCell cell) {
                      started.add(cell.id());
                      if (cell.id().equals("a0000")) {
                        claimedCellStarted.set(Instant.now());
                      }
                    }
                  });
      giveUp.join();
      assertThat(result.report().succeeded()).isTrue();
      assertThat(executed.get()).isEqualTo(SyntheticDag.cells().size());
      // The other a-cells did not wait for the claimed one, which started only after its claim.
      assertThat(started.subList(0, started.indexOf("a0000"))).contains("a0001", "a0002", "a0003");
      assertThat(started).containsOnlyOnce("a0000");
      assertThat(claimedCellStarted.get()).isAfterOrEqualTo(released.get());
    }
  }

  private static CellClaims claims(RunStore store) {
    return new CellClaims(
        store, SyntheticDag.EXPERIMENT, Duration.ofSeconds(1), CellClaims.STALE_AFTER);
  }

  private static Pipeline.Request request(RunStore store, AtomicInteger executed) {
    return new Pipeline.Request(
        SyntheticDag.EXPERIMENT,
        SyntheticDag.cells(),
        store,
        SyntheticDag.runners(20, Set.of(), true, executed),
        List.of(),
        new RunPolicy(false),
        Map.of());
  }

  private static ExecutionListener quiet() {
    return new ExecutionListener() {};
  }
}
