package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import java.nio.file.Path;

/** The sink used when no tracking server is configured: everything stays in the run store. */
enum NoTracking implements TrackingSink {
  INSTANCE;

  @Override
  public void startInvocation(Invocation invocation) {}

  @Override
  public void cellStarted(CellStart cell) {}

  @Override
  public void metric(String cellId, Metric metric) {}

  @Override
  public void cellEnded(CellRecord record, Path artifacts) {}

  @Override
  public void endInvocation(CellStatus status) {}

  @Override
  public void close() {}
}
