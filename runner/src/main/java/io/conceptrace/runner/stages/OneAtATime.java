package io.conceptrace.runner.stages;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.store.StoredCell;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Runs a stage's cells under one side of a process-wide read-write lock: attribution cells take the
 * write side (alone in the process), every other stage the read side (together). TRAK's per-example
 * gradients use DJL's {@code GradientCollector}, of which the PyTorch engine allows one per JVM,
 * and when TRAK ran next to training on another worker, some retrained models and attributions
 * differed between identical runs (measured: up to 3.5e-3 in a weight), which would break "a
 * resumed run gives the same numbers". A waiting worker keeps its slot.
 *
 * <p>A cell that runs alone gets every core of the budget ({@code aloneThreads} intra-op threads)
 * instead of its share, else the cores of the idle workers would sit unused while it runs. PyTorch
 * keeps the OpenMP and MKL thread counts per native thread, so raising them on this worker and
 * restoring them afterwards touches no other worker, and none computes meanwhile. The count is a
 * pure function of the budget, so identical invocations still sum in the same order.
 *
 * @param aloneThreads intra-op threads while alone; 0 keeps the process's setting
 */
record OneAtATime(StageRunner stage, Lock lock, int aloneThreads) implements StageRunner {

  /** Alone in the process, with {@code threads} intra-op threads (0: unchanged). */
  static OneAtATime alone(StageRunner stage, ReadWriteLock lock, int threads) {
    return new OneAtATime(stage, lock.writeLock(), threads);
  }

  /** Together with other shared stages, never next to an {@link #alone} one. */
  static OneAtATime shared(StageRunner stage, ReadWriteLock lock) {
    return new OneAtATime(stage, lock.readLock(), 0);
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    ctx.progress().update("waiting for a turn", 0, 0);
    lock.lockInterruptibly();
    try {
      ctx.checkCancelled();
      ctx.startClock();
      if (aloneThreads <= 0) {
        return stage.run(ctx);
      }
      ctx.provenance("threads", Integer.toString(aloneThreads));
      return ComputeEngine.withIntraOpThreads(aloneThreads, () -> stage.run(ctx));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<SummaryRow> summarize(List<StoredCell> cells) {
    return stage.summarize(cells);
  }
}
