package io.conceptrace.runner.cli;

import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the cells to run would cost, per stage, from the time the experiment's cells of that stage
 * took when they ran (their records' {@code total} timing in the run store): {@code cells × mean
 * seconds}. A stage the store has never run is "unknown" — run a small calibration study first, or
 * read the figures in docs/results.md.
 */
record ComputeEstimate(List<Stage> stages) {
  ComputeEstimate {
    stages = List.copyOf(stages);
  }

  /**
   * One stage's estimate.
   *
   * @param toRun cells that would run
   * @param measured stored cells whose time the mean is taken over (0: unknown)
   * @param meanSeconds their mean {@code total} time; NaN when unknown
   */
  record Stage(String stage, int toRun, int measured, double meanSeconds) {
    boolean known() {
      return measured > 0;
    }

    double seconds() {
      return toRun * meanSeconds;
    }
  }

  /**
   * @param toRun stage → number of cells that would run, in stage order
   */
  static ComputeEstimate of(RunStore store, String experiment, Map<String, Integer> toRun) {
    List<Stage> out = new ArrayList<>();
    for (Map.Entry<String, Integer> e : toRun.entrySet()) {
      double sum = 0;
      int n = 0;
      for (StoredCell c : store.cells(experiment, e.getKey())) {
        Double t = c.record().timings().get("total");
        if (t != null) {
          sum += t;
          n++;
        }
      }
      out.add(new Stage(e.getKey(), e.getValue(), n, n == 0 ? Double.NaN : sum / n));
    }
    return new ComputeEstimate(out);
  }

  /** Stage → count, keeping the first-seen order of {@code stages}. */
  static Map<String, Integer> count(List<String> stages) {
    Map<String, Integer> m = new LinkedHashMap<>();
    stages.forEach(s -> m.merge(s, 1, Integer::sum));
    return m;
  }

  private double totalKnown() {
    return stages.stream().filter(Stage::known).mapToDouble(Stage::seconds).sum();
  }

  String text() {
    StringBuilder b =
        new StringBuilder("\ncompute estimate (cell time, from this store's timings)\n");
    b.append(
        String.format(
            Locale.ROOT, "%-12s %6s %12s %14s%n", "stage", "to run", "mean s/cell", "estimate"));
    for (Stage s : stages) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-12s %6d %12s %14s%n",
              s.stage(),
              s.toRun(),
              s.known() ? String.format(Locale.ROOT, "%.1f", s.meanSeconds()) : "-",
              s.toRun() == 0 ? "0" : s.known() ? duration(s.seconds()) : "unknown"));
    }
    b.append(String.format(Locale.ROOT, "%-12s %6s %12s %14s%n", "total", "", "", total()));
    return b.toString();
  }

  String markdown() {
    StringBuilder b =
        new StringBuilder(
            "\n**Compute estimate** (cell time, from the run store's timings of this experiment)\n\n"
                + "| stage | to run | mean s/cell | estimate |\n|---|---:|---:|---:|\n");
    for (Stage s : stages) {
      b.append("| ")
          .append(s.stage())
          .append(" | ")
          .append(s.toRun())
          .append(" | ")
          .append(s.known() ? String.format(Locale.ROOT, "%.1f", s.meanSeconds()) : "-")
          .append(" | ")
          .append(s.toRun() == 0 ? "0" : s.known() ? duration(s.seconds()) : "unknown")
          .append(" |\n");
    }
    b.append("| total | | | ").append(total()).append(" |\n");
    return b.toString();
  }

  private String total() {
    boolean anyToRun = stages.stream().anyMatch(s -> s.toRun() > 0);
    if (!anyToRun) {
      return "0";
    }
    boolean unknownToRun = stages.stream().anyMatch(s -> s.toRun() > 0 && !s.known());
    if (unknownToRun && stages.stream().noneMatch(s -> s.toRun() > 0 && s.known())) {
      return "unknown";
    }
    return (unknownToRun ? "> " : "") + duration(totalKnown());
  }

  /** e.g. {@code 45 s}, {@code 12 min}, {@code 3.4 h}. */
  static String duration(double seconds) {
    if (seconds < 90) {
      return String.format(Locale.ROOT, "%.0f s", seconds);
    }
    if (seconds < 5400) {
      return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
  }
}
