package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;

/**
 * Where the executor reports what it does, so that it can be followed in MLflow. Calls never throw
 * because of the tracking server: a sink that cannot reach its server warns once and carries on
 * (the run store keeps everything and {@code ctrace mlflow sync} catches up later).
 *
 * <p>Call order per invocation: {@link #startInvocation}, then for each cell {@link #cellStarted},
 * any number of {@link #metric}, and {@link #cellEnded}; finally {@link #endInvocation} and {@link
 * #close}. Cells may run on several threads at once; implementations are thread-safe.
 */
public interface TrackingSink extends AutoCloseable {

  /** A parent run begins (one per {@code ctrace run}). */
  void startInvocation(Invocation invocation);

  /** A cell begins executing. */
  void cellStarted(CellStart cell);

  /** A value measured while the cell runs (also written to the cell's {@code metrics.jsonl}). */
  void metric(String cellId, Metric metric);

  /**
   * A cell ended. {@code record.status()} says how; {@code artifacts} is the directory of its files
   * (the committed cell directory for FINISHED cells) or {@code null} when none were kept (failed
   * and killed attempts).
   */
  void cellEnded(CellRecord record, Path artifacts);

  /** A committed cell ended: its record and directory. */
  default void cellEnded(StoredCell cell) {
    cellEnded(cell.record(), cell.directory());
  }

  /** The invocation ended: FINISHED when every cell did, FAILED or KILLED otherwise. */
  void endInvocation(CellStatus status);

  /** Waits (boundedly) for pending uploads and releases resources. Never throws. */
  @Override
  void close();

  /** A sink that does nothing (no tracking URI configured). */
  static TrackingSink none() {
    return NoTracking.INSTANCE;
  }
}
