package io.conceptrace.runner.exec;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress for logs and CI (no terminal): a line when the run starts, one per failed cell, a status
 * line every {@code interval} with each stage's count, rate and ETA and what is running, and one
 * when each stage is complete.
 */
public final class LogProgress implements ExecutionListener, AutoCloseable {
  private final PrintWriter out;
  private final Duration interval;
  private final StageCounters counters = new StageCounters();
  private ScheduledExecutorService timer;

  public LogProgress(PrintWriter out, Duration interval) {
    this.out = out;
    this.interval = interval;
  }

  @Override
  public void runStarted(ExecutionPlan plan) {
    counters.start(plan);
    print(
        "run "
            + plan.experiment()
            + ": "
            + plan.cells().size()
            + " cells, "
            + plan.cached().size()
            + " cached, "
            + plan.toRun().size()
            + " to run"
            + (plan.damaged().isEmpty() ? "" : " (" + plan.damaged().size() + " damaged)"));
    plan.damaged()
        .forEach(
            (id, problem) ->
                print(
                    "damaged "
                        + plan.byId().get(id).label()
                        + ": "
                        + problem
                        + "; moving it under .attempts and computing it again"));
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ctrace-progress");
              t.setDaemon(true);
              return t;
            });
    long ms = interval.toMillis();
    timer.scheduleAtFixedRate(
        () -> print(statusLine(Instant.now())), ms, ms, TimeUnit.MILLISECONDS);
  }

  @Override
  public void cellStarted(PlannedCell cell) {
    counters.cellStarted(cell, Instant.now());
  }

  @Override
  public void cellProgress(PlannedCell cell, String phase, long done, long total) {
    counters.cellProgress(cell, phase, done, total);
  }

  @Override
  public synchronized void cellEnded(CellOutcome outcome) {
    // Synchronized with print: counting and announcing "stage done" happen once, in order.
    counters.cellEnded(outcome);
    if (!outcome.state().hasOutput()) {
      print(outcome.state() + " " + outcome.describe());
    }
    String stage = outcome.cell().stage();
    counters
        .line(stage, Instant.now())
        .filter(l -> l.startsWith(stage + " " + counters.total(stage) + "/"))
        .ifPresent(l -> print(l + " done"));
  }

  @Override
  public void runEnded(RunReport report) {
    close();
  }

  /** One line: every stage with work, then what is running. */
  String statusLine(Instant now) {
    List<String> parts = new ArrayList<>();
    for (String s : counters.stageNames()) {
      counters.line(s, now).ifPresent(parts::add);
    }
    List<String> running = counters.running();
    String line = String.join(" | ", parts);
    return running.isEmpty() ? line : line + " | running: " + String.join("; ", running);
  }

  private synchronized void print(String line) {
    out.println("[ctrace] " + line);
    out.flush();
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
