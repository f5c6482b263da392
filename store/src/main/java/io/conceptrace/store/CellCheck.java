package io.conceptrace.store;

import java.util.Objects;

/**
 * What {@link RunStore#check} found where a cell should be.
 *
 * @param state absent, intact or damaged
 * @param problem for a damaged cell, one line saying what is wrong (which file, expected against
 *     found); empty otherwise
 */
public record CellCheck(State state, String problem) {
  /** Where a cell stands in the store. */
  public enum State {
    /** No directory: the cell was never committed (or was moved away). */
    ABSENT,
    /** A directory whose {@code cell.json} and files match each other. */
    INTACT,
    /** A directory that is not a trustworthy result; it must not be read or reused. */
    DAMAGED
  }

  public CellCheck {
    Objects.requireNonNull(state, "state");
    problem = problem == null ? "" : problem;
  }

  static CellCheck ofAbsent() {
    return new CellCheck(State.ABSENT, "");
  }

  static CellCheck ofIntact() {
    return new CellCheck(State.INTACT, "");
  }

  static CellCheck ofDamaged(String problem) {
    return new CellCheck(State.DAMAGED, problem);
  }

  public boolean isIntact() {
    return state == State.INTACT;
  }

  public boolean isDamaged() {
    return state == State.DAMAGED;
  }
}
