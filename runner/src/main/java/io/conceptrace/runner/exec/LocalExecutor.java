package io.conceptrace.runner.exec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs cells on {@code jobs} worker threads in this process. One coordinating thread (the caller)
 * asks the {@link DagScheduler} for ready cells, hands them to the pool and collects outcomes.
 *
 * <p>PyTorch's intra-op thread count is process-global in DJL (one setting shared by every Java
 * thread), so this executor does not set threads per worker: the caller starts the engine once with
 * {@link WorkerBudget#intraOpThreads()} threads, chosen so that jobs × threads does not exceed the
 * cores.
 */
public final class LocalExecutor implements Executor {
  private final int jobs;

  public LocalExecutor(int jobs) {
    if (jobs < 1) {
      throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
    }
    this.jobs = jobs;
  }

  @Override
  public String name() {
    return "local";
  }

  public int jobs() {
    return jobs;
  }

  @Override
  public RunReport execute(
      ExecutionPlan plan, CellTask task, RunPolicy policy, ExecutionListener listener) {
    Instant start = Instant.now();
    DagScheduler scheduler = new DagScheduler(plan);
    LinkedBlockingQueue<CellOutcome> ended = new LinkedBlockingQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(jobs, workerThreads());
    int running = 0;
    try {
      while (true) {
        if (task.token().isCancelled()) {
          scheduler.stop();
        }
        for (PlannedCell cell : scheduler.takeReady(jobs - running)) {
          pool.execute(() -> ended.add(task.run(cell)));
          running++;
        }
        if (running == 0) {
          break;
        }
        CellOutcome outcome = takeInterruptibly(ended, task);
        running--;
        scheduler.ended(outcome);
        if (!outcome.state().hasOutput() && !policy.keepGoing()) {
          scheduler.stop();
        }
      }
    } finally {
      pool.shutdown();
      awaitQuietly(pool);
    }
    List<CellOutcome> outcomes = new ArrayList<>();
    List<CellOutcome> fromScheduler = scheduler.outcomes(Instant.now());
    for (CellOutcome o : fromScheduler) {
      if (plan.cached().contains(o.cell().id())) {
        outcomes.add(
            task.find(o.cell())
                .map(c -> CellOutcome.of(o.cell(), CellState.CACHED, c))
                .orElse(new CellOutcome(o.cell(), CellState.CACHED, "", start, start)));
      } else {
        outcomes.add(o);
      }
    }
    return new RunReport(plan.experiment(), outcomes, start, Instant.now());
  }

  /**
   * Waits for the next outcome. An interrupt of the coordinating thread means "stop": it cancels
   * the run and keeps waiting, so that running cells are still settled and reported.
   */
  private static CellOutcome takeInterruptibly(
      LinkedBlockingQueue<CellOutcome> ended, CellTask task) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return ended.take();
        } catch (InterruptedException e) {
          interrupted = true;
          task.token().cancel("the run was interrupted");
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static void awaitQuietly(ExecutorService pool) {
    try {
      pool.awaitTermination(1, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory workerThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "ctrace-worker-" + n.incrementAndGet());
      // Daemon: a cell that ignores cancellation must not keep the JVM alive after Ctrl-C.
      t.setDaemon(true);
      return t;
    };
  }
}
