package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogProgressTest {
  @TempDir Path root;

  @Test
  void statusLinesShowCountsRateEtaAndRunningCells() {
    StringWriter text = new StringWriter();
    ExecutionPlan plan =
        Planner.plan(SyntheticDag.EXPERIMENT, SyntheticDag.cells(), new RunStore(root), List.of());
    try (LogProgress p = new LogProgress(new PrintWriter(text), Duration.ofHours(1))) {
      p.runStarted(plan);
      Instant t0 = Instant.now();
      PlannedCell a0 = plan.cells().get(0);
      PlannedCell a1 = plan.cells().get(1);
      p.cellStarted(a0);
      p.cellStarted(a1);
      p.cellEnded(new CellOutcome(a0, CellState.FINISHED, "", t0, t0));
      p.cellProgress(a1, "epoch", 3, 8);
      String line = p.statusLine(Instant.now().plusSeconds(60));
      assertThat(line)
          .startsWith("a 1/4 (")
          .containsPattern("a 1/4 \\(\\d\\.\\d\\d/min, ETA \\d:\\d\\d\\)")
          .contains("b 0/4 | c 0/2 | d 0/1")
          .endsWith("running: a a0001 epoch 3/8");
      p.cellEnded(new CellOutcome(a1, CellState.FAILED, "loss is NaN", t0, t0));
    }
    assertThat(text.toString())
        .startsWith("[ctrace] run synthetic: 11 cells, 0 cached, 11 to run\n")
        .contains("[ctrace] FAILED a a0001: loss is NaN\n");
  }

  @Test
  void clockFormatsMinutesAndHours() {
    assertThat(StageCounters.clock(65)).isEqualTo("1:05");
    assertThat(StageCounters.clock(3725)).isEqualTo("1:02:05");
  }
}
