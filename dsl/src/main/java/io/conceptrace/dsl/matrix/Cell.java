package io.conceptrace.dsl.matrix;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One unit of work in the run matrix.
 *
 * @param id content hash (16 hex digits of SHA-256) over the stage, {@code settings} and {@code
 *     inputs}, in canonical JSON with sorted keys; equal ids mean the same result
 * @param stage one of {@link Stages#ORDER}
 * @param coordinates where the cell sits in the matrix, e.g. {@code concept=wavy, layer=layer3}
 *     (for display and tracking; not hashed except through the seed)
 * @param settings the resolved settings that affect this cell's result (JSON-compatible values:
 *     String, Number, Boolean, List, Map), keyed like the experiment file's sections
 * @param inputs ids of the cells whose outputs this cell reads, in a fixed order
 * @param seed the cell's seed, derived from the experiment seed and its coordinates
 */
public record Cell(
    String id,
    String stage,
    Map<String, String> coordinates,
    Map<String, Object> settings,
    List<String> inputs,
    long seed) {
  public Cell {
    coordinates = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(coordinates));
    settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    inputs = List.copyOf(inputs);
  }

  /** {@code probe[member=0, concept=wavy, layer=layer3, sparsity=dense]}. */
  public String label() {
    if (coordinates.isEmpty()) {
      return stage;
    }
    return stage
        + coordinates.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(", ", "[", "]"));
  }
}
