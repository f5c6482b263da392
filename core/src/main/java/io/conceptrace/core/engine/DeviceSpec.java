package io.conceptrace.core.engine;

import java.util.Locale;

/**
 * Which device a user asked for: {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}.
 *
 * @param kind what was asked for
 * @param index the GPU index for {@link Kind#GPU}; 0 otherwise
 */
public record DeviceSpec(Kind kind, int index) {

  /** The kinds of device request. */
  public enum Kind {
    AUTO,
    CPU,
    GPU
  }

  public DeviceSpec {
    if (index < 0) {
      throw new IllegalArgumentException("GPU index must be >= 0, got " + index);
    }
  }

  public static final DeviceSpec AUTO = new DeviceSpec(Kind.AUTO, 0);
  public static final DeviceSpec CPU = new DeviceSpec(Kind.CPU, 0);

  /**
   * Parses {@code auto | cpu | gpu | gpu:N}.
   *
   * @throws IllegalArgumentException with a one-line message naming the accepted forms
   */
  public static DeviceSpec parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("auto")) {
      return AUTO;
    }
    if (t.equals("cpu")) {
      return CPU;
    }
    if (t.equals("gpu") || t.equals("cuda")) {
      return new DeviceSpec(Kind.GPU, 0);
    }
    if (t.startsWith("gpu:") || t.startsWith("cuda:")) {
      String n = t.substring(t.indexOf(':') + 1);
      try {
        return new DeviceSpec(Kind.GPU, Integer.parseInt(n));
      } catch (NumberFormatException e) {
        // fall through to the one message below
      }
    }
    throw new IllegalArgumentException(
        "device '" + text + "' is not one of auto, cpu, gpu, gpu:N (N = 0, 1, ...)");
  }

  @Override
  public String toString() {
    return switch (kind) {
      case AUTO -> "auto";
      case CPU -> "cpu";
      case GPU -> "gpu:" + index;
    };
  }
}
