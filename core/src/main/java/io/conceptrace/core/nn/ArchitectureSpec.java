package io.conceptrace.core.nn;

import java.util.List;

/**
 * What network to build.
 *
 * @param name which architecture; in JSON and messages its user-facing name ({@code resnet10},
 *     {@code resnet18}, {@code resnet34} or {@code small-cnn})
 * @param width channel multiplier (1.0 = torchvision's 64-128-256-512)
 * @param smallStem 3×3 stride-1 first convolution and no max-pool (for 32×32 images); otherwise
 *     torchvision's 7×7 stride-2 convolution and 3×3 stride-2 max-pool
 * @param inputChannels 1 (grey) or 3 (RGB)
 * @param imageSize square input side in pixels
 * @param classes outputs of {@code fc}
 */
public record ArchitectureSpec(
    ArchitectureName name,
    double width,
    boolean smallStem,
    int inputChannels,
    int imageSize,
    int classes) {

  /** The user-facing names of the architectures this version knows. */
  public static final List<String> NAMES = ArchitectureName.ids();

  public ArchitectureSpec {
    if (name == null) {
      throw new IllegalArgumentException("no architecture given");
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

  /**
   * The same, naming the architecture by its user-facing name (any case).
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public ArchitectureSpec(
      String name, double width, boolean smallStem, int inputChannels, int imageSize, int classes) {
    this(ArchitectureName.of(name), width, smallStem, inputChannels, imageSize, classes);
  }

  /** Channels after scaling a base channel count by the width multiplier (at least 1). */
  public int channels(int base) {
    return Math.max(1, (int) Math.round(base * width));
  }
}
