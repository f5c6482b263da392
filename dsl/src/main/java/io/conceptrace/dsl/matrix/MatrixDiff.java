package io.conceptrace.dsl.matrix;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changing an experiment file does to its run matrix: cells added, removed, and invalidated
 * (same coordinates, different id), each invalidated cell with the settings that caused it. A cell
 * whose own settings did not change was invalidated by an input; it inherits its inputs' causes.
 */
public final class MatrixDiff {
  /** A changed setting: dotted key inside the cell's settings, e.g. {@code probes.epochs}. */
  public record Change(String key, Object before, Object after) {
    @Override
    public String toString() {
      return key + ": " + show(before) + " → " + show(after);
    }
  }

  /** An invalidated cell and why. */
  public record Invalidated(Cell before, Cell after, Set<String> causes) {}

  private final RunMatrix before;
  private final RunMatrix after;
  private final List<Cell> added = new ArrayList<>();
  private final List<Cell> removed = new ArrayList<>();
  private final List<Invalidated> invalidated = new ArrayList<>();
  private int unchanged;

  private MatrixDiff(RunMatrix before, RunMatrix after) {
    this.before = before;
    this.after = after;
  }

  public static MatrixDiff of(RunMatrix before, RunMatrix after) {
    MatrixDiff d = new MatrixDiff(before, after);
    d.compute();
    return d;
  }

  public List<Cell> added() {
    return added;
  }

  public List<Cell> removed() {
    return removed;
  }

  public List<Invalidated> invalidated() {
    return invalidated;
  }

  public int unchanged() {
    return unchanged;
  }

  /**
   * What makes a cell "the same place" in both matrices: stage and coordinates with their names
   * (the display name {@link Cell#label()} shows values only, which could coincide across axes).
   */
  private static String key(Cell c) {
    return c.stage() + new TreeMap<>(c.coordinates());
  }

  private void compute() {
    Map<String, Cell> old = new LinkedHashMap<>();
    before.cells().forEach(c -> old.put(key(c), c));
    Map<String, Cell> now = new LinkedHashMap<>();
    after.cells().forEach(c -> now.put(key(c), c));
    Map<String, Set<String>> causesById = new HashMap<>();
    for (Cell c : after.cells()) {
      Cell o = old.get(key(c));
      if (o == null) {
        added.add(c);
      } else if (o.id().equals(c.id())) {
        unchanged++;
      } else {
        Set<String> causes = new LinkedHashSet<>();
        List<Change> own = new ArrayList<>();
        changes("", o.settings(), c.settings(), own);
        own.forEach(ch -> causes.add(ch.toString()));
        if (causes.isEmpty()) {
          for (String in : c.inputs()) {
            Set<String> inherited = causesById.get(in);
            if (inherited != null) {
              causes.addAll(inherited);
            }
          }
        }
        if (causes.isEmpty()) {
          causes.add(inputsChanged(o, c));
        }
        causesById.put(c.id(), causes);
        invalidated.add(new Invalidated(o, c, causes));
      }
    }
    for (Cell o : before.cells()) {
      if (!now.containsKey(key(o))) {
        removed.add(o);
      }
    }
  }

  private String inputsChanged(Cell o, Cell c) {
    Set<String> oldLabels = new TreeSet<>();
    o.inputs().forEach(id -> before.get(id).ifPresent(x -> oldLabels.add(x.label())));
    Set<String> newLabels = new TreeSet<>();
    c.inputs().forEach(id -> after.get(id).ifPresent(x -> newLabels.add(x.label())));
    int plus = 0;
    int minus = 0;
    for (String l : newLabels) {
      plus += oldLabels.contains(l) ? 0 : 1;
    }
    for (String l : oldLabels) {
      minus += newLabels.contains(l) ? 0 : 1;
    }
    return "inputs: " + plus + " added, " + minus + " removed";
  }

  @SuppressWarnings("unchecked") // settings maps are built by MatrixExpander as Map<String, Object>
  private static void changes(String prefix, Object a, Object b, List<Change> out) {
    if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
      Set<String> keys = new TreeSet<>();
      ((Map<String, Object>) ma).keySet().forEach(keys::add);
      ((Map<String, Object>) mb).keySet().forEach(keys::add);
      for (String k : keys) {
        changes(prefix.isEmpty() ? k : prefix + "." + k, ma.get(k), mb.get(k), out);
      }
    } else if (!Objects.equals(a, b)) {
      out.add(new Change(prefix, a, b));
    }
  }

  static String show(Object v) {
    if (v == null) {
      return "(unset)";
    }
    String s = String.valueOf(v).replaceAll("\\s+", " ");
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  /** Invalidated cells grouped by their causes (the same cause string, in first-seen order). */
  public Map<String, Map<String, Integer>> byCause() {
    Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
    for (Invalidated i : invalidated) {
      String cause = String.join("; ", i.causes());
      out.computeIfAbsent(cause, k -> new TreeMap<>(stageOrder()))
          .merge(i.after().stage(), 1, Integer::sum);
    }
    return out;
  }

  private static java.util.Comparator<String> stageOrder() {
    return java.util.Comparator.comparingInt(Stages.ORDER::indexOf);
  }

  public String render(String oldName, String newName, PlanRenderer.Format format) {
    return render(oldName, newName, format, "");
  }

  /**
   * @param settings a block placed right under the summary line (the changed settings of the
   *     experiment file, which a reviewer reads first), already in {@code format}; empty for none
   */
  public String render(
      String oldName, String newName, PlanRenderer.Format format, String settings) {
    return format == PlanRenderer.Format.MARKDOWN
        ? markdown(oldName, newName, settings)
        : text(oldName, newName, settings);
  }

  private String summary() {
    return added.size()
        + " added, "
        + removed.size()
        + " removed, "
        + invalidated.size()
        + " invalidated, "
        + unchanged
        + " unchanged";
  }

  private static String counts(Map<String, Integer> perStage) {
    StringBuilder b = new StringBuilder();
    perStage.forEach((s, n) -> b.append(b.isEmpty() ? "" : ", ").append(s).append(' ').append(n));
    return b.toString();
  }

  private static Map<String, Integer> perStage(List<Cell> cells) {
    Map<String, Integer> m = new TreeMap<>(stageOrder());
    cells.forEach(c -> m.merge(c.stage(), 1, Integer::sum));
    return m;
  }

  private String text(String oldName, String newName, String settings) {
    StringBuilder b = new StringBuilder();
    b.append("diff ")
        .append(oldName)
        .append(" -> ")
        .append(newName)
        .append(": ")
        .append(summary())
        .append('\n')
        .append(settings);
    if (!added.isEmpty()) {
      b.append("\nadded (").append(counts(perStage(added))).append(")\n");
      added.forEach(c -> b.append("  + ").append(c.label()).append('\n'));
    }
    if (!removed.isEmpty()) {
      b.append("\nremoved (").append(counts(perStage(removed))).append(")\n");
      removed.forEach(c -> b.append("  - ").append(c.label()).append('\n'));
    }
    if (!invalidated.isEmpty()) {
      b.append("\ninvalidated\n");
      byCause()
          .forEach(
              (cause, n) ->
                  b.append("  because ").append(cause).append(": ").append(counts(n)).append('\n'));
      b.append('\n');
      for (Invalidated i : invalidated) {
        b.append("  ~ ")
            .append(i.after().label())
            .append("  ")
            .append(String.join("; ", i.causes()))
            .append('\n');
      }
    }
    return b.toString();
  }

  private String markdown(String oldName, String newName, String settings) {
    StringBuilder b = new StringBuilder();
    b.append("### Run matrix diff: `")
        .append(oldName)
        .append("` → `")
        .append(newName)
        .append("`\n\n");
    b.append(summary()).append(".\n").append(settings);
    if (!invalidated.isEmpty()) {
      b.append("\n| invalidated because | cells |\n|---|---|\n");
      byCause()
          .forEach(
              (cause, n) ->
                  b.append("| `")
                      .append(cause.replace("|", "\\|"))
                      .append("` | ")
                      .append(counts(n))
                      .append(" |\n"));
    }
    section(b, "added", added);
    section(b, "removed", removed);
    if (!invalidated.isEmpty()) {
      b.append("\n<details><summary>invalidated (")
          .append(invalidated.size())
          .append(")</summary>\n\n| cell | old id | new id | cause |\n|---|---|---|---|\n");
      for (Invalidated i : invalidated) {
        b.append("| ")
            .append(i.after().label())
            .append(" | `")
            .append(i.before().id())
            .append("` | `")
            .append(i.after().id())
            .append("` | ")
            .append(String.join("; ", i.causes()).replace("|", "\\|"))
            .append(" |\n");
      }
      b.append("\n</details>\n");
    }
    return b.toString();
  }

  private static void section(StringBuilder b, String title, List<Cell> cells) {
    if (cells.isEmpty()) {
      return;
    }
    b.append("\n<details><summary>")
        .append(title)
        .append(" (")
        .append(cells.size())
        .append(": ")
        .append(counts(perStage(cells)))
        .append(")</summary>\n\n| cell | id |\n|---|---|\n");
    for (Cell c : cells) {
      b.append("| ").append(c.label()).append(" | `").append(c.id()).append("` |\n");
    }
    b.append("\n</details>\n");
  }
}
