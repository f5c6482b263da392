package io.conceptrace.runner.stages;

import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.runner.exec.PlannedCell;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A run matrix {@link Cell} as the executor sees it. */
public record MatrixCell(Cell cell) implements PlannedCell {

  /**
   * The matrix's cells, each id once: two coordinates with identical settings are one result (the
   * matrix keeps the first), so they are computed once.
   */
  public static List<MatrixCell> of(RunMatrix matrix) {
    Set<String> seen = new HashSet<>();
    List<MatrixCell> out = new ArrayList<>();
    for (Cell c : matrix.cells()) {
      if (seen.add(c.id())) {
        out.add(new MatrixCell(c));
      }
    }
    return out;
  }

  @Override
  public String id() {
    return cell.id();
  }

  @Override
  public String stage() {
    return cell.stage();
  }

  @Override
  public Map<String, String> coordinates() {
    return cell.coordinates();
  }

  @Override
  public Map<String, Object> settings() {
    return cell.settings();
  }

  @Override
  public CellSpec spec() {
    return cell.spec();
  }

  @Override
  public List<String> inputs() {
    return cell.inputs();
  }

  @Override
  public long seed() {
    return cell.seed();
  }

  @Override
  public String label() {
    return cell.label();
  }
}
