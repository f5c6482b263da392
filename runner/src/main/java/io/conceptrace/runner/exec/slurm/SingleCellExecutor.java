package io.conceptrace.runner.exec.slurm;

import io.conceptrace.runner.exec.CellOutcome;
import io.conceptrace.runner.exec.CellState;
import io.conceptrace.runner.exec.CellTask;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.Executor;
import io.conceptrace.runner.exec.PlannedCell;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.runner.exec.RunReport;
import java.time.Instant;
import java.util.List;

/**
 * Runs exactly one cell of the plan in this process: what one Slurm job does. Its inputs must be
 * complete in the run store already (Slurm started the job after theirs succeeded); a cell that is
 * already complete (e.g. computed by a duplicate job) is reported cached and not computed again.
 */
public final class SingleCellExecutor implements Executor {
  private final String cellId;

  public SingleCellExecutor(String cellId) {
    this.cellId = cellId;
  }

  @Override
  public String name() {
    return "slurm-task";
  }

  @Override
  public RunReport execute(
      ExecutionPlan plan, CellTask task, RunPolicy policy, ExecutionListener listener) {
    Instant start = Instant.now();
    PlannedCell cell = plan.byId().get(cellId);
    if (cell == null) {
      throw new IllegalArgumentException("cell " + cellId + " is not in the plan");
    }
    CellOutcome outcome;
    if (plan.cached().contains(cellId)) {
      outcome =
          task.find(cell)
              .map(
                  c ->
                      new CellOutcome(
                          cell,
                          CellState.CACHED,
                          "",
                          c.record().startedAt(),
                          c.record().finishedAt(),
                          c.record(),
                          c.directory()))
              .orElse(new CellOutcome(cell, CellState.CACHED, "", start, start));
    } else {
      outcome = task.run(cell);
    }
    return new RunReport(plan.experiment(), List.of(outcome), start, Instant.now());
  }
}
