package io.conceptrace.runner.exec;

/** Where a cell of a run ended up. */
public enum CellState {
  /** Its complete output was already in the run store; nothing ran. */
  CACHED,
  /** It ran and its output is now in the run store. */
  FINISHED,
  /** It ran and failed; the attempt is recorded under {@code .attempts/}. */
  FAILED,
  /** It was stopped while running (Ctrl-C, SIGTERM); the attempt is recorded. */
  KILLED,
  /** It did not run because one of its inputs failed or was killed. */
  BLOCKED,
  /** It did not run because the run stopped first (fail-fast or Ctrl-C). */
  NOT_RUN;

  /** Whether the cell's complete output exists after the run. */
  public boolean hasOutput() {
    return this == CACHED || this == FINISHED;
  }
}
