package io.conceptrace.runner.exec;

/** A stage's own verdict that a cell cannot produce a result, with a one-line reason. */
public final class CellFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CellFailedException(String reason) {
    super(reason);
  }

  public CellFailedException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
