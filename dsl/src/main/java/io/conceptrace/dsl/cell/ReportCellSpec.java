package io.conceptrace.dsl.cell;

import java.util.Map;

/**
 * {@code report}: the study's summary, figures and HTML report, computed from its input cells only,
 * so its id changes exactly when any result of the matrix does.
 */
public record ReportCellSpec(long seed) implements CellSpec {

  @Override
  public Map<String, Object> canonical() {
    return Map.of();
  }
}
