package io.conceptrace.store;

/** How a unit of work ended. Only {@link #FINISHED} cells are results; the others are attempts. */
public enum CellStatus {
  FINISHED,
  FAILED,
  KILLED
}
