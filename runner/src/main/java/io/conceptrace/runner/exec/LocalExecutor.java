package io.conceptrace.runner.exec;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs cells on {@code jobs} worker threads in this process. One coordinating thread (the caller)
 * asks the {@link DagScheduler} for ready cells, hands them to the pool and collects outcomes. A
 * cell that another process is computing (it holds the cell's claim) is set aside and asked for
 * again every {@link CellTask#CLAIM_POLL} until that process finished it (then it counts as cached)
 * or gave up (then it runs here). A fault of the run store's file system stops the run.
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
    LinkedBlockingQueue<Attempt> ended = new LinkedBlockingQueue<>();
    // Cells another process is computing: asked for again after a pause, while the workers do
    // other ready cells. They stay "launched" for the scheduler until they end here.
    Deque<PlannedCell> elsewhere = new ArrayDeque<>();
    Instant retryAt = Instant.MIN;
    ExecutorService pool = Executors.newFixedThreadPool(jobs, workerThreads());
    int running = 0;
    try {
      while (true) {
        if (task.token().isCancelled() || task.storeFault().isPresent()) {
          scheduler.stop();
          elsewhere.clear();
        }
        List<PlannedCell> launch = new ArrayList<>();
        if (!Instant.now().isBefore(retryAt)) {
          while (!elsewhere.isEmpty() && launch.size() < jobs - running) {
            launch.add(elsewhere.poll());
          }
        }
        launch.addAll(scheduler.takeReady(jobs - running - launch.size()));
        for (PlannedCell cell : launch) {
          pool.execute(() -> ended.add(new Attempt(cell, task.tryRun(cell))));
          running++;
        }
        if (running == 0 && elsewhere.isEmpty()) {
          break;
        }
        Optional<Attempt> next =
            running > 0 && elsewhere.isEmpty()
                ? Optional.of(takeInterruptibly(ended, task, null))
                : Optional.ofNullable(takeInterruptibly(ended, task, CellTask.CLAIM_POLL));
        if (next.isEmpty()) {
          continue;
        }
        running--;
        Attempt a = next.get();
        if (a.outcome().isEmpty()) {
          elsewhere.add(a.cell());
          retryAt = Instant.now().plus(CellTask.CLAIM_POLL);
          continue;
        }
        CellOutcome outcome = a.outcome().get();
        scheduler.ended(outcome);
        if (!outcome.state().hasOutput() && !policy.keepGoing()) {
          scheduler.stop();
          elsewhere.clear();
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

  /** What a worker reports: the cell's outcome, or empty when another process holds its claim. */
  private record Attempt(PlannedCell cell, Optional<CellOutcome> outcome) {}

  /**
   * Waits for the next outcome, at most {@code timeout} (null: no limit; returns null when it
   * passed). An interrupt of the coordinating thread means "stop": it cancels the run and keeps
   * waiting, so that running cells are still settled and reported.
   */
  private static Attempt takeInterruptibly(
      LinkedBlockingQueue<Attempt> ended, CellTask task, Duration timeout) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return timeout == null
              ? ended.take()
              : ended.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
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
