package io.conceptrace.runner.exec;

import io.conceptrace.mlflow.CellStart;
import io.conceptrace.mlflow.Invocation;
import io.conceptrace.mlflow.TrackingSink;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;

/**
 * Feeds a run's events to experiment tracking: the invocation becomes the parent run, each executed
 * cell a child run with its live metrics and, when it ends, its record and artifacts. Cached,
 * blocked and never-started cells are not reported (they did not run in this invocation).
 */
public final class TrackingListener implements ExecutionListener {
  private final TrackingSink sink;
  private final Invocation invocation;

  public TrackingListener(TrackingSink sink, Invocation invocation) {
    this.sink = sink;
    this.invocation = invocation;
  }

  @Override
  public void runStarted(ExecutionPlan plan) {
    sink.startInvocation(invocation);
  }

  @Override
  public void cellStarted(PlannedCell cell) {
    sink.cellStarted(
        new CellStart(
            cell.id(),
            cell.stage(),
            cell.coordinates(),
            cell.settings(),
            cell.inputs(),
            cell.seed()));
  }

  @Override
  public void cellMetric(PlannedCell cell, Metric metric) {
    sink.metric(cell.id(), metric);
  }

  @Override
  public void cellEnded(CellOutcome outcome) {
    if (outcome.state() == CellState.CACHED) {
      return; // another process computed it meanwhile, and tracks it
    }
    outcome.storedRecord().ifPresent(r -> sink.cellEnded(r, outcome.directory()));
  }

  @Override
  public void runEnded(RunReport report) {
    CellStatus status;
    if (report.succeeded()) {
      status = CellStatus.FINISHED;
    } else if (report.count(CellState.KILLED) > 0) {
      status = CellStatus.KILLED;
    } else {
      status = CellStatus.FAILED;
    }
    sink.endInvocation(status);
  }
}
