package io.conceptrace.core.nn;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The architectures this version knows, each with the name users write ({@code model.arch}) and the
 * class that describes it. That name is also what JSON holds (sidecars, and the canonical form that
 * cell ids hash), so it must never change for an existing architecture.
 *
 * <p>Adding an architecture: one class implementing {@link Architecture} (its parameters, forward
 * pass and named layers in one {@link Architecture#describe} method) and one constant here.
 */
public enum ArchitectureName {
  RESNET10("resnet10", spec -> new ResNet(spec, List.of(1, 1, 1, 1))),
  RESNET18("resnet18", spec -> new ResNet(spec, List.of(2, 2, 2, 2))),
  RESNET34("resnet34", spec -> new ResNet(spec, List.of(3, 4, 6, 3))),
  SMALL_CNN("small-cnn", SmallCnn::new);

  private final String id;
  private final Function<ArchitectureSpec, Architecture> build;

  ArchitectureName(String id, Function<ArchitectureSpec, Architecture> build) {
    this.id = id;
    this.build = build;
  }

  /** The user-facing name, e.g. {@code resnet18}. */
  @JsonValue
  public String id() {
    return id;
  }

  /** Every user-facing name, in declaration order. */
  public static List<String> ids() {
    return Arrays.stream(values()).map(ArchitectureName::id).toList();
  }

  /**
   * The architecture a user-facing name (any case) names.
   *
   * @throws IllegalArgumentException naming the known architectures
   */
  @JsonCreator
  public static ArchitectureName of(String id) {
    String lower = id.toLowerCase(Locale.ROOT);
    for (ArchitectureName n : values()) {
      if (n.id.equals(lower)) {
        return n;
      }
    }
    throw new IllegalArgumentException(
        "unknown architecture '" + lower + "'; known: " + String.join(", ", ids()));
  }

  /** The description of a network of this architecture with {@code spec}'s sizes. */
  Architecture architecture(ArchitectureSpec spec) {
    return build.apply(spec);
  }

  /** The user-facing name, so that messages and string concatenation read as users wrote it. */
  @Override
  public String toString() {
    return id;
  }
}
