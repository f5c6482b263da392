package io.conceptrace.runner.exec;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress on a terminal: one bar per stage (cells done / to run, rate, ETA), its extra message
 * showing the latest cell progress (e.g. {@code epoch 3/8}). Failures are printed above the bars.
 */
public final class TerminalProgress implements ExecutionListener, AutoCloseable {
  private final PrintStream out;
  private final Map<String, ProgressBar> bars = new LinkedHashMap<>();

  public TerminalProgress(PrintStream out) {
    this.out = out;
  }

  @Override
  public synchronized void runStarted(ExecutionPlan plan) {
    out.printf(
        "run %s: %d cells, %d cached, %d to run%s%n",
        plan.experiment(),
        plan.cells().size(),
        plan.cached().size(),
        plan.toRun().size(),
        plan.damaged().isEmpty() ? "" : " (" + plan.damaged().size() + " damaged)");
    plan.damaged()
        .forEach(
            (id, problem) ->
                out.printf(
                    "damaged %s: %s; moving it under .attempts and computing it again%n",
                    plan.byId().get(id).label(), problem));
    for (String stage : plan.stages()) {
      long n = plan.toRun().stream().filter(c -> c.stage().equals(stage)).count();
      if (n > 0) {
        bars.put(
            stage,
            new ProgressBarBuilder()
                .setTaskName(String.format("%-10s", stage))
                .setInitialMax(n)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUnit(" cells", 1)
                .showSpeed()
                .setUpdateIntervalMillis(500)
                .continuousUpdate()
                .build());
      }
    }
  }

  @Override
  public synchronized void cellProgress(PlannedCell cell, String phase, long done, long total) {
    ProgressBar bar = bars.get(cell.stage());
    if (bar != null) {
      bar.setExtraMessage(" " + StageCounters.describe(phase, done, total));
    }
  }

  @Override
  public synchronized void cellEnded(CellOutcome outcome) {
    ProgressBar bar = bars.get(outcome.cell().stage());
    if (bar != null) {
      bar.step();
      bar.setExtraMessage(
          outcome.state().hasOutput()
              ? ""
              : " " + outcome.state().name().toLowerCase() + ": " + outcome.cell().label());
    }
  }

  @Override
  public void runEnded(RunReport report) {
    close();
  }

  @Override
  public synchronized void close() {
    bars.values().forEach(ProgressBar::close);
    bars.clear();
  }
}
