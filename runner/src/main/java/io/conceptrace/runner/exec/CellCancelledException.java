package io.conceptrace.runner.exec;

/** Thrown at a cancellation point when the run is being stopped (Ctrl-C, SIGTERM, fail-fast). */
public final class CellCancelledException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CellCancelledException(String reason) {
    super(reason);
  }
}
