package io.conceptrace.runner.exec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Renders the end-of-run summary: the stages' rows, one table per section, and stage timings. */
public final class SummaryTable {
  private SummaryTable() {}

  /** Merges rows with the same section and key, keeping first-seen order of rows and columns. */
  public static List<SummaryRow> merge(List<SummaryRow> rows) {
    Map<List<Object>, Map<String, String>> values = new LinkedHashMap<>();
    Map<List<Object>, SummaryRow> first = new LinkedHashMap<>();
    for (SummaryRow r : rows) {
      List<Object> id = List.of(r.section(), r.key());
      first.putIfAbsent(id, r);
      values.computeIfAbsent(id, k -> new LinkedHashMap<>()).putAll(r.values());
    }
    List<SummaryRow> out = new ArrayList<>();
    first.forEach((id, r) -> out.add(new SummaryRow(r.section(), r.key(), values.get(id))));
    return out;
  }

  /** Every section as a text table under its name. */
  public static String render(List<SummaryRow> rows) {
    List<SummaryRow> merged = merge(rows);
    Set<String> sections = new LinkedHashSet<>();
    merged.forEach(r -> sections.add(r.section()));
    StringBuilder out = new StringBuilder();
    for (String section : sections) {
      List<SummaryRow> of = merged.stream().filter(r -> r.section().equals(section)).toList();
      Set<String> columns = new LinkedHashSet<>();
      of.forEach(r -> columns.addAll(r.key().keySet()));
      of.forEach(r -> columns.addAll(r.values().keySet()));
      List<String> header = List.copyOf(columns);
      List<List<String>> cells = new ArrayList<>();
      for (SummaryRow r : of) {
        List<String> line = new ArrayList<>();
        for (String c : header) {
          line.add(r.key().getOrDefault(c, r.values().getOrDefault(c, "")));
        }
        cells.add(line);
      }
      out.append(section).append('\n').append(table(header, cells)).append('\n');
    }
    return out.toString();
  }

  /** Per stage: cells, cached, ran, failed, summed cell time and wall time. */
  public static String timings(RunReport report, List<String> stages) {
    List<List<String>> rows = new ArrayList<>();
    for (String stage : stages) {
      List<CellOutcome> of =
          report.outcomes().stream().filter(o -> o.cell().stage().equals(stage)).toList();
      List<CellOutcome> ran =
          of.stream()
              .filter(o -> o.state() != CellState.CACHED && o.state() != CellState.NOT_RUN)
              .filter(o -> o.state() != CellState.BLOCKED)
              .toList();
      double cellSeconds = ran.stream().mapToDouble(CellOutcome::seconds).sum();
      double wall =
          ran.isEmpty()
              ? 0
              : (ran.stream().mapToLong(o -> o.finishedAt().toEpochMilli()).max().orElse(0)
                      - ran.stream().mapToLong(o -> o.startedAt().toEpochMilli()).min().orElse(0))
                  / 1000.0;
      rows.add(
          List.of(
              stage,
              Long.toString(of.size()),
              Long.toString(count(of, CellState.CACHED)),
              Long.toString(count(of, CellState.FINISHED)),
              Long.toString(
                  count(of, CellState.FAILED)
                      + count(of, CellState.KILLED)
                      + count(of, CellState.BLOCKED)
                      + count(of, CellState.NOT_RUN)),
              String.format(Locale.ROOT, "%.1f", cellSeconds),
              String.format(Locale.ROOT, "%.1f", wall)));
    }
    double total = (report.finishedAt().toEpochMilli() - report.startedAt().toEpochMilli()) / 1e3;
    rows.add(
        List.of(
            "total",
            Integer.toString(report.outcomes().size()),
            Long.toString(report.count(CellState.CACHED)),
            Long.toString(report.count(CellState.FINISHED)),
            Long.toString(
                report.outcomes().size()
                    - report.count(CellState.CACHED)
                    - report.count(CellState.FINISHED)),
            "",
            String.format(Locale.ROOT, "%.1f", total)));
    return table(List.of("stage", "cells", "cached", "ran", "not done", "cell-s", "wall-s"), rows);
  }

  private static long count(List<CellOutcome> of, CellState s) {
    return of.stream().filter(o -> o.state() == s).count();
  }

  /** A plain left-aligned text table with a rule under the header. */
  static String table(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (int i = 0; i < header.size(); i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    appendLine(out, header, width);
    List<String> rule = new ArrayList<>();
    for (int w : width) {
      rule.add("-".repeat(w));
    }
    appendLine(out, rule, width);
    rows.forEach(r -> appendLine(out, r, width));
    return out.toString();
  }

  private static void appendLine(StringBuilder out, List<String> cells, int[] width) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        line.append("  ");
      }
      line.append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length()));
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
