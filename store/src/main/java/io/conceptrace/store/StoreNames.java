package io.conceptrace.store;

import java.util.regex.Pattern;

/** Names that become path segments in the store: no separators, no dots in front, no spaces. */
final class StoreNames {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

  private StoreNames() {}

  static String requireSafe(String what, String name) {
    if (name == null || !SAFE.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " '"
              + name
              + "' must be 1-128 characters of letters, digits, '.', '_', '+', '-',"
              + " starting with a letter or digit");
    }
    return name;
  }
}
