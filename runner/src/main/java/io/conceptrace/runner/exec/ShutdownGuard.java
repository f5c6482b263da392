package io.conceptrace.runner.exec;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a run cleanly on Ctrl-C (SIGINT) or SIGTERM. The JVM runs shutdown hooks on both; the hook
 * cancels the run (running cells stop at their next cancellation point and are recorded KILLED,
 * finished cells stay), then waits up to a grace period for the run to wind down. Cells still
 * running after that are recorded KILLED by the hook itself before the JVM exits. SIGKILL runs no
 * hook at all; the run store's atomic cells and the next run's cleanup cover that case.
 *
 * <p>Plain Java cannot catch SIGINT without ending the JVM ({@code sun.misc.Signal} is internal
 * API), so the process still exits with the signal's status (130 for SIGINT, 143 for SIGTERM).
 */
public final class ShutdownGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownGuard.class);

  private final CancellationToken token;
  private final InFlightCells inFlight;
  private final Duration grace;
  private final CountDownLatch wound = new CountDownLatch(1);
  private final Thread hook;

  ShutdownGuard(CancellationToken token, InFlightCells inFlight, Duration grace) {
    this.token = token;
    this.inFlight = inFlight;
    this.grace = grace;
    this.hook = new Thread(this::onSignal, "ctrace-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private void onSignal() {
    if (wound.getCount() == 0) {
      return; // the run was over; nothing to stop
    }
    token.cancel("interrupted (Ctrl-C or SIGTERM)");
    try {
      if (wound.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int killed = inFlight.killAll(token.reason(), Duration.ofSeconds(2));
    LOG.warn(
        "recorded {} running cell(s) as killed after a {} ms grace period",
        killed,
        grace.toMillis());
  }

  /** Says the run has ended and its report was shown; a later signal just exits. */
  public void runEnded() {
    wound.countDown();
  }

  /** Removes the hook (when the run ended without a signal). */
  @Override
  public void close() {
    runEnded();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is running or has run
    }
  }
}
