package io.conceptrace.dsl.matrix;

import io.conceptrace.store.CellName;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

  /**
   * The cell's one human-readable name, e.g. {@code probe wavy layer3 dense m0}: the same that
   * {@code plan}, the end-of-run summary and MLflow's run list show ({@link CellName}).
   */
  public String label() {
    return CellName.of(stage, coordinates);
  }
}
