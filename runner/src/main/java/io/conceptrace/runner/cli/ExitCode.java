package io.conceptrace.runner.cli;

/** The CLI's exit codes, the same for every command. */
public final class ExitCode {
  /** Everything asked for was done. */
  public static final int OK = 0;

  /** The input was fine but the work failed (a cell failed, a server broke). */
  public static final int RUN_FAILED = 1;

  /** The input was wrong: bad file, bad option, missing data. Nothing was run. */
  public static final int BAD_INPUT = 2;

  private ExitCode() {}
}
