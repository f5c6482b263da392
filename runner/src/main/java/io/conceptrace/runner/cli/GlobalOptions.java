package io.conceptrace.runner.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command accepts, anywhere on the command line. */
public final class GlobalOptions {
  @Option(
      names = "--debug",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors (otherwise errors are one line).")
  boolean debug;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "More log output; repeat (-vv) for debug logging.")
  boolean[] verbosity = new boolean[0];

  public boolean debug() {
    return debug;
  }

  public int verbosity() {
    return verbosity.length;
  }
}
