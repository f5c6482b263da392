package io.conceptrace.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one human-readable name of a cell, used alike by {@code ctrace plan}, the end-of-run summary
 * and MLflow's run list: the stage, then the coordinate values in the order the run matrix nests
 * them (concept, layer, sparsity, prune size, arm, ensemble member), e.g. {@code probe wavy layer3
 * dense m0} or {@code reprobe wavy layer3 dense k100 top m2}.
 *
 * <p>Only values are shown, so that the part that differs between runs is not cut off in narrow
 * columns; numbers get a prefix because bare ones would be ambiguous: {@code k100} (prune size),
 * {@code m0} (member), {@code sparse16} (a sparse probe's non-zero weights). A pure function of
 * stage and coordinates, so that every place agrees without sharing state (the run store keeps
 * coordinates unordered).
 */
public final class CellName {
  /** The matrix's axes, outermost first; other coordinates follow alphabetically. */
  public static final List<String> AXIS_ORDER =
      List.of("concept", "layer", "sparsity", "k", "arm", "member");

  private CellName() {}

  /** e.g. {@code train-base m0}; just the stage for cells without coordinates. */
  public static String of(String stage, Map<String, String> coordinates) {
    StringBuilder name = new StringBuilder(stage);
    for (String axis : ordered(coordinates)) {
      name.append(' ').append(value(axis, coordinates.get(axis)));
    }
    return name.toString();
  }

  /** The coordinate names of a cell in matrix order. */
  public static List<String> ordered(Map<String, String> coordinates) {
    List<String> out = new ArrayList<>();
    for (String axis : AXIS_ORDER) {
      if (coordinates.containsKey(axis)) {
        out.add(axis);
      }
    }
    new TreeMap<>(coordinates).keySet().stream().filter(k -> !out.contains(k)).forEach(out::add);
    return out;
  }

  private static String value(String axis, String value) {
    return switch (axis) {
      case "member" -> "m" + value;
      case "k" -> "k" + value;
      case "sparsity" -> value.chars().allMatch(Character::isDigit) ? "sparse" + value : value;
      default -> value;
    };
  }
}
