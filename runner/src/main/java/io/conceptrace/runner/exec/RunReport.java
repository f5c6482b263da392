package io.conceptrace.runner.exec;

import java.time.Instant;
import java.util.List;

/**
 * What a run did, cell by cell, in plan order.
 *
 * @param experiment the experiment's name
 * @param outcomes every cell of the plan with how it ended
 * @param startedAt when the run began
 * @param finishedAt when it ended
 */
public record RunReport(
    String experiment, List<CellOutcome> outcomes, Instant startedAt, Instant finishedAt) {

  public RunReport {
    outcomes = List.copyOf(outcomes);
  }

  public long count(CellState state) {
    return outcomes.stream().filter(o -> o.state() == state).count();
  }

  /** Cells that failed or were killed (not those merely blocked or not run). */
  public List<CellOutcome> failures() {
    return outcomes.stream()
        .filter(o -> o.state() == CellState.FAILED || o.state() == CellState.KILLED)
        .toList();
  }

  /** True when every cell's output exists. */
  public boolean succeeded() {
    return outcomes.stream().allMatch(o -> o.state().hasOutput());
  }
}
