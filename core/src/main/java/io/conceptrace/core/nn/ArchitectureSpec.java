package io.conceptrace.core.nn;

import java.util.List;
import java.util.Locale;

/**
 * What network to build.
 *
 * @param name {@code resnet10}, {@code resnet18}, {@code resnet34} or {@code small-cnn}
 * @param width channel multiplier (1.0 = torchvision's 64-128-256-512)
 * @param smallStem 3×3 stride-1 first convolution and no max-pool (for 32×32 images); otherwise
 *     torchvision's 7×7 stride-2 convolution and 3×3 stride-2 max-pool
 * @param inputChannels 1 (grey) or 3 (RGB)
 * @param imageSize square input side in pixels
 * @param classes outputs of {@code fc}
 */
public record ArchitectureSpec(
    String name, double width, boolean smallStem, int inputChannels, int imageSize, int classes) {

  /** The architectures this version knows. */
  public static final List<String> NAMES = List.of("resnet10", "resnet18", "resnet34", "small-cnn");

  public ArchitectureSpec {
    name = name.toLowerCase(Locale.ROOT);
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException(
          "unknown architecture '" + name + "'; known: " + String.join(", ", NAMES));
    }
    if (!(width > 0 && width <= 16)) {
      throw new IllegalArgumentException("width must be in (0, 16], got " + width);
    }
    if (inputChannels != 1 && inputChannels != 3) {
      throw new IllegalArgumentException("input channels must be 1 or 3, got " + inputChannels);
    }
    if (imageSize < 8) {
      throw new IllegalArgumentException("image size must be >= 8, got " + imageSize);
    }
    if (classes < 2) {
      throw new IllegalArgumentException("classes must be >= 2, got " + classes);
    }
  }

  /** Residual blocks per stage for the ResNets; empty for {@code small-cnn}. */
  public int[] blocksPerStage() {
    return switch (name) {
      case "resnet10" -> new int[] {1, 1, 1, 1};
      case "resnet18" -> new int[] {2, 2, 2, 2};
      case "resnet34" -> new int[] {3, 4, 6, 3};
      default -> new int[0];
    };
  }

  /** Channels after scaling a base channel count by the width multiplier (at least 1). */
  public int channels(int base) {
    return Math.max(1, (int) Math.round(base * width));
  }
}
