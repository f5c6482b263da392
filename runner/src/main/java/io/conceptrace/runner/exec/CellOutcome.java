package io.conceptrace.runner.exec;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How one cell of a run ended.
 *
 * @param cell the cell
 * @param state how it ended
 * @param message a one-line reason for FAILED, KILLED and BLOCKED; empty otherwise
 * @param startedAt when it started (for CACHED cells: when the stored result was computed)
 * @param finishedAt when it ended
 * @param record what the run store recorded: the committed {@code cell.json} or the FAILED/KILLED
 *     attempt; {@code null} when nothing was recorded (blocked, not run, or the store failed)
 * @param directory the committed cell's directory; {@code null} unless FINISHED or CACHED
 */
public record CellOutcome(
    PlannedCell cell,
    CellState state,
    String message,
    Instant startedAt,
    Instant finishedAt,
    CellRecord record,
    Path directory) {

  /** An outcome with nothing recorded in the store. */
  public CellOutcome(
      PlannedCell cell, CellState state, String message, Instant startedAt, Instant finishedAt) {
    this(cell, state, message, startedAt, finishedAt, null, null);
  }

  /** The outcome of a cell whose output is in the store. */
  static CellOutcome of(PlannedCell cell, CellState state, StoredCell stored) {
    return new CellOutcome(
        cell,
        state,
        "",
        stored.record().startedAt(),
        stored.record().finishedAt(),
        stored.record(),
        stored.directory());
  }

  /** The record the run store holds for this outcome, if any. */
  public Optional<CellRecord> storedRecord() {
    return Optional.ofNullable(record);
  }

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
