package io.conceptrace.runner.exec;

import io.conceptrace.store.StoredCell;
import java.util.List;

/**
 * Computes the cells of one stage. Implementations are stateless (one instance serves every worker
 * thread) and deterministic: the same cell, inputs and {@link CellContext#rng()} give the same
 * outputs, which is what lets a killed run resume with identical final numbers.
 */
public interface StageRunner {

  /**
   * Computes one cell, writes its artifacts and metrics through the context and publishes it with
   * {@link CellContext#commit}. Throw {@link CellFailedException} for a failure with a reason (e.g.
   * a NaN loss); any other exception also fails the cell. Call {@link CellContext#checkCancelled}
   * (or report progress) between steps so that Ctrl-C stops the cell promptly.
   */
  StoredCell run(CellContext ctx) throws Exception;

  /**
   * The rows this stage contributes to the end-of-run summary, from every complete cell of the
   * stage in the run (cached or just computed), so a fully cached rerun prints the same summary.
   */
  default List<SummaryRow> summarize(List<StoredCell> cells) {
    return List.of();
  }
}
