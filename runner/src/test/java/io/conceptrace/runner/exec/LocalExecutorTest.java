package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalExecutorTest {
  @TempDir Path root;
  private final AtomicInteger executed = new AtomicInteger();

  private Pipeline.Result run(int jobs, Set<String> failing, boolean keepGoing, String... force) {
    return new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                new RunStore(root),
                SyntheticDag.runners(0, failing, true, executed),
                List.of(force),
                new RunPolicy(keepGoing),
                Map.of("host", "test")),
            new LocalExecutor(jobs),
            new ExecutionListener() {});
  }

  private static Map<String, CellState> states(Pipeline.Result r) {
    return r.report().outcomes().stream()
        .collect(Collectors.toMap(o -> o.cell().id(), CellOutcome::state));
  }

  @Test
  void runsEveryCellAfterItsInputsAndCachesThemForTheNextRun() {
    Pipeline.Result first = run(2, Set.of(), false);
    assertThat(first.report().succeeded()).isTrue();
    assertThat(first.report().count(CellState.FINISHED)).isEqualTo(11);
    assertThat(executed).hasValue(11);
    StoredCell d = new RunStore(root).find(SyntheticDag.EXPERIMENT, "d", "d0000").orElseThrow();
    assertThat(d.record().inputs()).containsExactly("c0000", "c0001");
    assertThat(d.record().provenance()).containsEntry("host", "test");
    assertThat(d.record().timings()).containsKeys("total", "compute");
    assertThat(d.metrics()).hasSize(5);
    assertThat(first.report().outcomes())
        .allSatisfy(o -> assertThat(o.directory()).isNotNull().isDirectory());

    Pipeline.Result second = run(2, Set.of(), false);
    assertThat(second.report().count(CellState.CACHED)).isEqualTo(11);
    assertThat(executed).hasValue(11);
    assertThat(second.summary()).hasSize(11); // summaries come from stored cells too
    assertThat(second.report().outcomes())
        .allSatisfy(o -> assertThat(o.storedRecord()).isPresent());
  }

  @Test
  void forcingAStageRerunsItAndEverythingDownstreamOnly() {
    run(1, Set.of(), false);
    Map<String, Long> before = SyntheticDag.values(root);
    executed.set(0);
    Pipeline.Result forced = run(1, Set.of(), false, "b");
    assertThat(executed).hasValue(4 + 2 + 1);
    assertThat(states(forced))
        .containsEntry("a0000", CellState.CACHED)
        .containsEntry("b0002", CellState.FINISHED)
        .containsEntry("d0000", CellState.FINISHED);
    assertThat(SyntheticDag.values(root)).isEqualTo(before);

    executed.set(0);
    assertThatThrownBy(() -> run(1, Set.of(), false, "c000")) // two c cells match
        .isInstanceOf(BadInputException.class);
    assertThat(executed).hasValue(0);
  }

  @Test
  void forcingOneCellByIdPrefix() {
    run(1, Set.of(), false);
    executed.set(0);
    run(1, Set.of(), false, "c0001");
    assertThat(executed).hasValue(2); // c0001 and d0000
  }

  @Test
  void aFailureStopsLaunchingByDefaultAndNamesTheCellAndReason() {
    Pipeline.Result r = run(1, Set.of("a0001"), false);
    assertThat(r.report().succeeded()).isFalse();
    CellOutcome failed = r.report().failures().get(0);
    assertThat(failed.cell().id()).isEqualTo("a0001");
    assertThat(failed.describe()).isEqualTo("a a0001: loss is NaN at epoch 3");
    assertThat(failed.storedRecord().orElseThrow().status()).isEqualTo(CellStatus.FAILED);
    assertThat(failed.directory()).isNull();
    // One job, plan order a0000, a0001: nothing after the failure was launched.
    assertThat(executed).hasValue(2);
    assertThat(states(r))
        .containsEntry("a0000", CellState.FINISHED)
        .containsEntry("a0002", CellState.NOT_RUN)
        .containsEntry("b0000", CellState.BLOCKED)
        .containsEntry("d0000", CellState.BLOCKED);
    List<CellRecord> attempts = new RunStore(root).attempts(SyntheticDag.EXPERIMENT);
    assertThat(attempts)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.status()).isEqualTo(CellStatus.FAILED);
              assertThat(a.message()).isEqualTo("loss is NaN at epoch 3");
              assertThat(a.cellId()).isEqualTo("a0001");
            });
    assertThat(new RunStore(root).find(SyntheticDag.EXPERIMENT, "a", "a0001")).isEmpty();
  }

  @Test
  void keepGoingRunsEverythingThatDoesNotDependOnTheFailure() {
    Pipeline.Result r = run(2, Set.of("a0001"), true);
    Map<String, CellState> s = states(r);
    // b0 reads a0,a1 and b1 reads a1,a2: blocked; b2 and b3 do not; c0 needs b0,b1.
    assertThat(s)
        .containsEntry("a0001", CellState.FAILED)
        .containsEntry("b0000", CellState.BLOCKED)
        .containsEntry("b0001", CellState.BLOCKED)
        .containsEntry("b0002", CellState.FINISHED)
        .containsEntry("b0003", CellState.FINISHED)
        .containsEntry("c0000", CellState.BLOCKED)
        .containsEntry("c0001", CellState.FINISHED)
        .containsEntry("d0000", CellState.BLOCKED);
    assertThat(r.report().outcomes())
        .filteredOn(o -> o.cell().id().equals("b0000"))
        .singleElement()
        .extracting(CellOutcome::message)
        .isEqualTo("input a a0001 failed");
  }

  @Test
  void anExceptionFailsTheCellWithItsNameInTheReason() {
    Map<String, StageRunner> runners =
        Map.of(
            "only",
            ctx -> {
              throw new IllegalStateException("weights file is corrupt");
            });
    Pipeline.Result r =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    "e",
                    List.of(TestCell.of("x0001", "only", List.of())),
                    new RunStore(root),
                    runners,
                    List.of(),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(1),
                new ExecutionListener() {});
    assertThat(r.report().failures())
        .singleElement()
        .extracting(CellOutcome::message)
        .isEqualTo("IllegalStateException: weights file is corrupt");
  }

  @Test
  void neverRunsMoreCellsAtOnceThanJobs() {
    AtomicInteger now = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    Set<String> seenInputs = ConcurrentHashMap.newKeySet();
    StageRunner r =
        ctx -> {
          max.accumulateAndGet(now.incrementAndGet(), Math::max);
          try {
            ctx.inputs().forEach(i -> seenInputs.add(i.record().cellId()));
            Thread.sleep(5);
            return ctx.commit();
          } finally {
            now.decrementAndGet();
          }
        };
    Map<String, StageRunner> runners = new java.util.HashMap<>();
    SyntheticDag.STAGES.forEach(s -> runners.put(s, r));
    new Pipeline()
        .run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                new RunStore(root),
                runners,
                List.of(),
                new RunPolicy(false),
                Map.of()),
            new LocalExecutor(2),
            new ExecutionListener() {});
    assertThat(max.get()).isBetween(1, 2);
    Set<String> allButD = new HashSet<>();
    SyntheticDag.cells().forEach(c -> allButD.add(c.id()));
    allButD.remove("d0000");
    assertThat(seenInputs).isEqualTo(allButD);
  }

  @Test
  void aCancelledRunRecordsNothingAsFinished() {
    Pipeline p = new Pipeline();
    p.token().cancel("stop");
    Pipeline.Result r =
        p.run(
            new Pipeline.Request(
                SyntheticDag.EXPERIMENT,
                SyntheticDag.cells(),
                new RunStore(root),
                SyntheticDag.runners(0, Set.of(), true, executed),
                List.of(),
                new RunPolicy(false),
                Map.of()),
            new LocalExecutor(2),
            new ExecutionListener() {});
    assertThat(r.report().count(CellState.FINISHED)).isZero();
    assertThat(executed).hasValue(0);
  }
}
