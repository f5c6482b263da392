package io.conceptrace.dsl.cell;

import java.util.Map;

/**
 * Everything one cell computes with, typed: the single source of truth for a cell (issue 14).
 *
 * <p>The matrix expander builds one spec per cell from the experiment; the cell id is the hash of
 * {@link #canonical()} plus the ids of its input cells; the stage receives this spec (and its input
 * cells) and nothing else: no experiment object, no settings map, no parsing of coordinates. A key
 * of the experiment file that does not reach a spec therefore cannot change what runs, and a key
 * that reaches one changes its canonical form, hence the id, of exactly that cell and its
 * dependents ({@code EveryKeyReachesCoreTest} checks both).
 */
public sealed interface CellSpec
    permits TrainCellSpec,
        ImportCellSpec,
        ProbeCellSpec,
        AttributeCellSpec,
        PruneSetCellSpec,
        LdsCellSpec,
        ConceptCellSpec,
        ReportCellSpec {

  /**
   * Bumped whenever a stage starts to compute something else from the same spec, so that no result
   * computed under other semantics is ever reused under the same id. 3: the first typed specs
   * (before, cell settings were hand-built maps; see docs/run-store.md).
   */
  int SEMANTICS = 3;

  /**
   * The JSON-compatible form (String, Number, Boolean, List, Map with sorted keys) that is hashed
   * into the cell id, shown by {@code plan}/{@code diff} and logged as MLflow params. It holds what
   * changes the result and nothing that does not (batch sizes of pure evaluation, memory budgets,
   * thread counts), and is built from the typed fields, never kept beside them.
   */
  Map<String, Object> canonical();

  /** The seed the cell's randomness starts from. */
  long seed();
}
