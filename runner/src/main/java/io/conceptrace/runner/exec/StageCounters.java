package io.conceptrace.runner.exec;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Per-stage counts, rate and ETA of a run in progress. Thread-safe. */
final class StageCounters {
  private static final class Stage {
    long total;
    long done;
    long failed;
    Instant firstStart;
  }

  private final Map<String, Stage> stages = new LinkedHashMap<>();
  private final Map<String, String> running = new LinkedHashMap<>();

  synchronized void start(ExecutionPlan plan) {
    stages.clear();
    for (String s : plan.stages()) {
      stages.put(s, new Stage());
    }
    plan.toRun().forEach(c -> stages.get(c.stage()).total++);
  }

  synchronized void cellStarted(PlannedCell cell, Instant now) {
    Stage s = stages.computeIfAbsent(cell.stage(), k -> new Stage());
    if (s.firstStart == null) {
      s.firstStart = now;
    }
    running.put(cell.id(), cell.label());
  }

  synchronized void cellProgress(PlannedCell cell, String phase, long done, long total) {
    running.put(cell.id(), cell.label() + " " + describe(phase, done, total));
  }

  synchronized void cellEnded(CellOutcome o) {
    Stage s = stages.computeIfAbsent(o.cell().stage(), k -> new Stage());
    s.done++;
    if (!o.state().hasOutput()) {
      s.failed++;
    }
    running.remove(o.cell().id());
  }

  synchronized long total(String stage) {
    Stage s = stages.get(stage);
    return s == null ? 0 : s.total;
  }

  synchronized List<String> stageNames() {
    return List.copyOf(stages.keySet());
  }

  synchronized List<String> running() {
    return List.copyOf(running.values());
  }

  /**
   * e.g. {@code probe 12/40 (0.80/min, ETA 0:35) 1 failed}; empty for stages with nothing to run.
   */
  synchronized Optional<String> line(String stage, Instant now) {
    Stage s = stages.get(stage);
    if (s == null || s.total == 0) {
      return Optional.empty();
    }
    StringBuilder b =
        new StringBuilder(stage).append(' ').append(s.done).append('/').append(s.total);
    if (s.firstStart != null && s.done > 0 && s.done < s.total) {
      double seconds = Math.max(1e-3, Duration.between(s.firstStart, now).toMillis() / 1000.0);
      double perMinute = s.done / seconds * 60;
      long eta = Math.round((s.total - s.done) / (s.done / seconds));
      b.append(String.format(Locale.ROOT, " (%.2f/min, ETA %s)", perMinute, clock(eta)));
    }
    if (s.failed > 0) {
      b.append(' ').append(s.failed).append(" failed");
    }
    return Optional.of(b.toString());
  }

  /** {@code epoch 3/8}, {@code step 12}, or just the phase when there is nothing to count. */
  static String describe(String phase, long done, long total) {
    if (total > 0) {
      return phase + " " + done + "/" + total;
    }
    return done > 0 ? phase + " " + done : phase;
  }

  static String clock(long seconds) {
    return seconds >= 3600
        ? String.format(
            Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
