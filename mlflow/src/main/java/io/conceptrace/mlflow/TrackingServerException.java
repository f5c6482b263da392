package io.conceptrace.mlflow;

/** The tracking server could not be reached, refused a request, or cannot store artifacts. */
public final class TrackingServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public TrackingServerException(String message, Throwable cause) {
    super(message, cause);
  }
}
