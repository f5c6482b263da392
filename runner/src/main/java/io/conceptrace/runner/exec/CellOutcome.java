package io.conceptrace.runner.exec;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How one cell of a run ended.
 *
 * @param cell the cell
 * @param state how it ended
 * @param message a one-line reason for FAILED, KILLED and BLOCKED; empty otherwise
 * @param startedAt when it started (for CACHED cells: when the stored result was computed)
 * @param finishedAt when it ended
 */
public record CellOutcome(
    PlannedCell cell, CellState state, String message, Instant startedAt, Instant finishedAt) {

  public CellOutcome {
    Objects.requireNonNull(cell, "cell");
    Objects.requireNonNull(state, "state");
    message = message == null ? "" : message;
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
  }

  public double seconds() {
    return Duration.between(startedAt, finishedAt).toMillis() / 1000.0;
  }

  /** {@code label: message}, the line printed for a failure. */
  public String describe() {
    return message.isEmpty() ? cell.label() : cell.label() + ": " + message;
  }
}
