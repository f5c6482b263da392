package io.conceptrace.dsl.script;

import io.conceptrace.dsl.Problem;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs each evaluation of a Kotlin block on a worker thread and gives up on it after the block's
 * {@link ScriptBudget#timeout}, so that {@code while (true) {}} fails with a message instead of
 * hanging {@code validate} or a run.
 *
 * <p>A thread cannot be taken back from code that ignores interrupts, so a block that runs past its
 * limit is first interrupted and then stopped with {@link Thread#stop}: deprecated, but the only
 * way on Java 17 to end a loop that never checks anything, and safe here because the worker holds
 * no lock or state of ctrace's (the block's partial results are thrown away). Where a newer JDK
 * refuses to stop threads, the worker is a daemon left to spin until the process exits. Workers are
 * reused (a predicate is called once per image) and end after a minute idle.
 */
final class ScriptTimer {
  private static final long GRACE_MILLIS = 200;

  private final AtomicInteger threads = new AtomicInteger();
  private final ThreadPoolExecutor workers =
      new ThreadPoolExecutor(
          0,
          Integer.MAX_VALUE,
          60,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "ctrace-kotlin-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  /**
   * The value of {@code work}, run within the block's time limit; its exceptions are rethrown.
   *
   * @throws ScriptException naming the block and the limit when it runs too long
   */
  <T> T within(ScriptBlock block, Supplier<T> work) {
    AtomicReference<Thread> runner = new AtomicReference<>();
    Future<T> future =
        workers.submit(
            () -> {
              runner.set(Thread.currentThread());
              try {
                return work.get();
              } finally {
                synchronized (runner) {
                  runner.set(null); // from here on a stop could hit the worker's next evaluation
                }
                Thread.interrupted(); // a late interrupt must not leak into the next evaluation
              }
            });
    try {
      return future.get(block.budget().timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      stop(runner);
      throw new ScriptException(
          List.of(
              new Problem(
                  block.position(),
                  block.path(),
                  "the Kotlin block did not finish within "
                      + block.budget().timeoutText()
                      + " (scripts.timeout)")));
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      future.cancel(true);
      stop(runner);
      Thread.currentThread().interrupt();
      throw new ScriptException(
          List.of(new Problem(block.position(), block.path(), "interrupted while the block ran")));
    }
  }

  @SuppressWarnings("deprecation") // Thread.stop: see the class comment
  private static void stop(AtomicReference<Thread> runner) {
    Thread t;
    synchronized (runner) {
      t = runner.get();
    }
    if (t == null) {
      return;
    }
    try {
      t.join(GRACE_MILLIS); // an interrupted sleep or wait ends by itself
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (runner) {
      if (runner.get() == t) {
        try {
          t.stop();
        } catch (UnsupportedOperationException e) {
          // JDK 20+: the daemon thread keeps running until the process exits.
        }
      }
    }
  }
}
