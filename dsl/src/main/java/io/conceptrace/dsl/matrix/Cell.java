package io.conceptrace.dsl.matrix;

import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.store.CellName;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One unit of work in the run matrix.
 *
 * @param id content hash (16 hex digits of SHA-256) over the stage, the spec's canonical form and
 *     {@code inputs}, in canonical JSON with sorted keys; equal ids mean the same result
 * @param stage one of {@link Stages#ORDER}
 * @param coordinates where the cell sits in the matrix, e.g. {@code concept=wavy, layer=layer3}
 *     (for display and tracking; not hashed except through the seed)
 * @param spec everything the cell computes with: what is hashed and what its stage reads
 * @param inputs ids of the cells whose outputs this cell reads, in a fixed order
 */
public record Cell(
    String id, String stage, Map<String, String> coordinates, CellSpec spec, List<String> inputs) {
  public Cell {
    coordinates = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(coordinates));
    inputs = List.copyOf(inputs);
  }

  /** A cell whose id is the hash of its stage, spec and inputs. */
  public static Cell of(
      String stage, Map<String, String> coordinates, CellSpec spec, List<String> inputs) {
    return new Cell(CellHash.id(stage, spec.canonical(), inputs), stage, coordinates, spec, inputs);
  }

  /**
   * The spec's canonical form (JSON-compatible values: String, Number, Boolean, List, Map), keyed
   * like the experiment file's sections: what is hashed, shown by {@code plan} and {@code diff},
   * and logged as MLflow params.
   */
  public Map<String, Object> settings() {
    return spec.canonical();
  }

  /** The cell's seed, derived from the experiment seed and its coordinates. */
  public long seed() {
    return spec.seed();
  }

  /**
   * The cell's one human-readable name, e.g. {@code probe wavy layer3 dense m0}: the same that
   * {@code plan}, the end-of-run summary and MLflow's run list show ({@link CellName}).
   */
  public String label() {
    return CellName.of(stage, coordinates);
  }
}
