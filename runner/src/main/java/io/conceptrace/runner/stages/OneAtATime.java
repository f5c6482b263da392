package io.conceptrace.runner.stages;

import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.store.StoredCell;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets one cell of a stage compute at a time in this process. TRAK's per-example gradients use
 * DJL's {@code GradientCollector}, of which the PyTorch engine allows one per JVM; two attribution
 * cells on two workers would fail. The waiting worker keeps its slot (other stages' cells still run
 * on the remaining workers).
 */
record OneAtATime(StageRunner stage, ReentrantLock lock) implements StageRunner {
  OneAtATime(StageRunner stage) {
    this(stage, new ReentrantLock());
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ctx.progress().update("waiting for the other " + ctx.cell().stage() + " cell", 0, 0);
    lock.lockInterruptibly();
    try {
      ctx.checkCancelled();
      return stage.run(ctx);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<SummaryRow> summarize(List<StoredCell> cells) {
    return stage.summarize(cells);
  }
}
