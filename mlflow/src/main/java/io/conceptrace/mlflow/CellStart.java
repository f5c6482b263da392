package io.conceptrace.mlflow;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the tracking needs to know when a cell starts. It mirrors {@code dsl.matrix.Cell} field by
 * field so that this module need not depend on the DSL: {@code new CellStart(c.id(), c.stage(),
 * c.coordinates(), c.settings(), c.inputs(), c.seed())}.
 *
 * @param cellId the cell's content hash
 * @param stage the stage, e.g. {@code probe}
 * @param coordinates the cell's place in the run matrix
 * @param settings the resolved settings (JSON-compatible values, maps may nest)
 * @param inputs the cell ids it consumes
 * @param seed the seed its randomness derives from
 */
public record CellStart(
    String cellId,
    String stage,
    Map<String, String> coordinates,
    Map<String, Object> settings,
    List<String> inputs,
    long seed) {
  public CellStart {
    Objects.requireNonNull(cellId, "cellId");
    Objects.requireNonNull(stage, "stage");
    coordinates = Map.copyOf(coordinates);
    settings = Map.copyOf(settings);
    inputs = List.copyOf(inputs);
  }
}
