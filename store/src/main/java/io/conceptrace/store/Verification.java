package io.conceptrace.store;

/** How hard {@link RunStore#check} looks at a cell's files. */
public enum Verification {
  /**
   * Every recorded file must exist with its recorded size; its content is hashed only when its
   * modification time differs from the recorded one. One {@code stat} per file, so {@code plan} and
   * every {@code run} can afford it on any store; it catches truncated, deleted and rewritten
   * files, but not a change that keeps both size and time (bit rot, a deliberate forgery).
   */
  QUICK,
  /** Every recorded file is hashed: what {@code ctrace verify} does. */
  FULL
}
