package io.conceptrace.runner.exec;

import io.conceptrace.store.Metric;
import java.util.List;

/**
 * Observes a run: progress displays, and (later) experiment tracking. Methods are called from
 * worker threads, so implementations must be thread-safe; they must not throw.
 */
public interface ExecutionListener {
  default void runStarted(ExecutionPlan plan) {}

  default void cellStarted(PlannedCell cell) {}

  default void cellProgress(PlannedCell cell, String phase, long done, long total) {}

  default void cellMetric(PlannedCell cell, Metric metric) {}

  default void cellEnded(CellOutcome outcome) {}

  default void runEnded(RunReport report) {}

  /** Calls every listener in order. */
  static ExecutionListener all(List<? extends ExecutionListener> listeners) {
    List<ExecutionListener> copy = List.copyOf(listeners);
    return new ExecutionListener() {
      @Override
      public void runStarted(ExecutionPlan plan) {
        copy.forEach(l -> l.runStarted(plan));
      }

      @Override
      public void cellStarted(PlannedCell cell) {
        copy.forEach(l -> l.cellStarted(cell));
      }

      @Override
      public void cellProgress(PlannedCell cell, String phase, long done, long total) {
        copy.forEach(l -> l.cellProgress(cell, phase, done, total));
      }

      @Override
      public void cellMetric(PlannedCell cell, Metric metric) {
        copy.forEach(l -> l.cellMetric(cell, metric));
      }

      @Override
      public void cellEnded(CellOutcome outcome) {
        copy.forEach(l -> l.cellEnded(outcome));
      }

      @Override
      public void runEnded(RunReport report) {
        copy.forEach(l -> l.runEnded(report));
      }
    };
  }
}
