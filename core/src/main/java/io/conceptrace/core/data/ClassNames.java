package io.conceptrace.core.data;

import java.util.List;
import java.util.Optional;

/**
 * The class names of the built-in data sources, so that experiment files can name classes and be
 * validated without the data being present.
 */
public final class ClassNames {
  /** Fashion-MNIST's labels 0-9, in label order. */
  public static final List<String> FASHION_MNIST =
      List.of(
          "t-shirt",
          "trouser",
          "pullover",
          "dress",
          "coat",
          "sandal",
          "shirt",
          "sneaker",
          "bag",
          "ankle-boot");

  /** CIFAR-10's labels 0-9, in label order. */
  public static final List<String> CIFAR10 =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /**
   * The generated data set's classes, in label order. Each is an object drawn on a flat or textured
   * background; {@code snake} and {@code worm} are the wavy shapes.
   */
  public static final List<String> SYNTHETIC =
      List.of(
          "circle",
          "square",
          "triangle",
          "cross",
          "ring",
          "snake",
          "worm",
          "star",
          "bar",
          "diamond");

  private ClassNames() {}

  /**
   * The names for a source ({@code synthetic}, {@code fashion-mnist}, {@code cifar10}); empty for
   * sources whose names come from the data itself ({@code image-folder}).
   */
  public static Optional<List<String>> of(String source) {
    return switch (source) {
      case "synthetic" -> Optional.of(SYNTHETIC);
      case "fashion-mnist" -> Optional.of(FASHION_MNIST);
      case "cifar10" -> Optional.of(CIFAR10);
      default -> Optional.empty();
    };
  }
}
