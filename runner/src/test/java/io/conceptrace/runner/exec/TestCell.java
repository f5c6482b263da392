package io.conceptrace.runner.exec;

import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.dsl.cell.ReportCellSpec;
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

  /** The executor never reads a spec: a synthetic cell has none of its own. */
  @Override
  public CellSpec spec() {
    return new ReportCellSpec(seed);
  }

  static TestCell of(String id, String stage, List<String> inputs) {
    return new TestCell(
        id, stage, Map.of("name", id), Map.of("kind", "synthetic"), inputs, id.hashCode());
  }
}
