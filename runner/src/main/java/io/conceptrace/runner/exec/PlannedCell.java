package io.conceptrace.runner.exec;

import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.store.CellName;
import java.util.List;
import java.util.Map;

/**
 * One unit of work as the executor sees it: an id, a stage, the ids it consumes, and what to show
 * and record about it. The executor never looks inside {@link #spec()}; only the stage runners do.
 * The dsl's {@code Cell} has the same accessors, so adapting it is one line.
 */
public interface PlannedCell {
  /** Content hash of the cell's settings and inputs; the run store's directory name. */
  String id();

  /** The stage, e.g. {@code train-base}; selects the {@link StageRunner}. */
  String stage();

  /** The cell's place in the run matrix, e.g. {@code concept=wavy, layer=layer3}. */
  Map<String, String> coordinates();

  /**
   * The spec's canonical form: what is hashed into the id and recorded (JSON-compatible values).
   */
  Map<String, Object> settings();

  /** Everything the cell computes with: the one thing its stage reads besides its inputs. */
  CellSpec spec();

  /** Ids of the cells whose complete outputs this cell reads. */
  List<String> inputs();

  /** The seed every random choice of this cell derives from. */
  long seed();

  /**
   * The cell's one human-readable name, e.g. {@code probe wavy layer3 dense m0}: the same as in
   * {@code plan}, the end-of-run summary and MLflow ({@link CellName}).
   */
  default String label() {
    return CellName.of(stage(), coordinates());
  }
}
