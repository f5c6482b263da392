package io.conceptrace.store;

import java.util.regex.Pattern;

/**
 * Names that become path segments in the store: no separators, no dots in front, no spaces. Public
 * so that the experiment language checks experiment names with this very rule before any cell runs,
 * instead of a copy of it that could drift.
 */
public final class StoreNames {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

  /** The rule {@link #isSafe} checks, in words, for messages. */
  public static final String RULE =
      "1-128 characters of letters, digits, '.', '_', '+', '-', starting with a letter or digit";

  private StoreNames() {}

  /** Whether the store accepts {@code name} as an experiment, stage or cell id directory. */
  public static boolean isSafe(String name) {
    return name != null && SAFE.matcher(name).matches();
  }

  static String requireSafe(String what, String name) {
    if (!isSafe(name)) {
      throw new IllegalArgumentException(what + " '" + name + "' must be " + RULE);
    }
    return name;
  }
}
