package io.conceptrace.dsl.script;

import java.time.Duration;

/**
 * What one Kotlin block may do, from the experiment file's {@code scripts} keys.
 *
 * @param timeout the longest one evaluation may run: computing a list, defining a function, or one
 *     call of a predicate (per image) or a filter (per cell)
 * @param allowUnsafe whether the block may use what {@link ScriptPolicy} refuses (files, the
 *     network, processes, threads, reflection, ending the process); only when the file says so
 */
public record ScriptBudget(Duration timeout, boolean allowUnsafe) {
  /** The defaults of {@code defaults.conf}: 10 seconds per evaluation, nothing unsafe. */
  public static final ScriptBudget DEFAULT = new ScriptBudget(Duration.ofSeconds(10), false);

  public ScriptBudget {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("a script timeout must be positive, got " + timeout);
    }
  }

  /** The timeout the way a file writes it: {@code 10s}, {@code 1500ms}, {@code 2m}. */
  public String timeoutText() {
    long ms = timeout.toMillis();
    if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
  }
}
