package io.conceptrace.runner.exec;

import java.util.List;
import java.util.Map;

/** A cell of a synthetic matrix. */
record TestCell(
    String id,
    String stage,
    Map<String, String> coordinates,
    Map<String, Object> settings,
    List<String> inputs,
    long seed)
    implements PlannedCell {

  static TestCell of(String id, String stage, List<String> inputs) {
    return new TestCell(
        id, stage, Map.of("name", id), Map.of("kind", "synthetic"), inputs, id.hashCode());
  }
}
