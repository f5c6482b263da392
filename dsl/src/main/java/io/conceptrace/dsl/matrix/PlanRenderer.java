package io.conceptrace.dsl.matrix;

import io.conceptrace.dsl.cell.ImportCellSpec;
import io.conceptrace.store.CellName;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Renders a run matrix for {@code ctrace plan}: counts per stage, then every cell. */
public final class PlanRenderer {
  public enum Format {
    TEXT,
    MARKDOWN
  }

  private PlanRenderer() {}

  /**
   * @param source the experiment file, as the user named it
   * @param cached whether a cell's complete output is already in the run store
   */
  public static String render(RunMatrix m, String source, Predicate<Cell> cached, Format format) {
    return render(m, source, cached, c -> false, format);
  }

  /**
   * @param damaged whether a cell's directory in the run store is damaged (it will run again); such
   *     cells count as "to run" and are marked "damaged"
   */
  public static String render(
      RunMatrix m, String source, Predicate<Cell> cached, Predicate<Cell> damaged, Format format) {
    return format == Format.MARKDOWN
        ? markdown(m, source, cached, damaged)
        : text(m, source, cached, damaged);
  }

  private static String status(Cell cell, Predicate<Cell> cached, Predicate<Cell> damaged) {
    return cached.test(cell) ? "cached" : damaged.test(cell) ? "damaged" : "to run";
  }

  private static String damagedCount(RunMatrix m, Predicate<Cell> damaged) {
    long n = m.cells().stream().filter(damaged).count();
    return n == 0 ? "" : " (" + n + " damaged)";
  }

  private static String text(
      RunMatrix m, String source, Predicate<Cell> cached, Predicate<Cell> damaged) {
    StringBuilder b = new StringBuilder();
    long hit = m.cells().stream().filter(cached).count();
    b.append("experiment ")
        .append(m.experiment())
        .append(" (")
        .append(source)
        .append("): ")
        .append(m.size())
        .append(" cells, ")
        .append(m.size() - hit)
        .append(" to run")
        .append(damagedCount(m, damaged))
        .append(", ")
        .append(hit)
        .append(" cached");
    if (m.excluded() > 0) {
      b.append(", ").append(m.excluded()).append(" excluded by matrix.exclude");
    }
    b.append('\n');
    for (String note : m.notes()) {
      b.append("note: ").append(note).append('\n');
    }
    b.append('\n');
    b.append(String.format("%-12s %6s %7s %7s%n", "stage", "cells", "cached", "to run"));
    for (Map.Entry<String, List<Cell>> e : m.byStage().entrySet()) {
      long c = e.getValue().stream().filter(cached).count();
      b.append(
          String.format(
              "%-12s %6d %7d %7d%n", e.getKey(), e.getValue().size(), c, e.getValue().size() - c));
    }
    for (Map.Entry<String, List<Cell>> e : m.byStage().entrySet()) {
      b.append('\n').append(e.getKey()).append(" (").append(e.getValue().size()).append(")\n");
      for (Cell cell : e.getValue()) {
        b.append("  ")
            .append(cell.id())
            .append("  ")
            .append(status(cell, cached, damaged))
            .append("  ")
            .append(coordinates(cell))
            .append('\n');
      }
    }
    return b.toString();
  }

  private static String markdown(
      RunMatrix m, String source, Predicate<Cell> cached, Predicate<Cell> damaged) {
    StringBuilder b = new StringBuilder();
    long hit = m.cells().stream().filter(cached).count();
    b.append("### Plan: `").append(m.experiment()).append("` (`").append(source).append("`)\n\n");
    b.append("**")
        .append(m.size())
        .append("** cells: **")
        .append(m.size() - hit)
        .append("** to run")
        .append(damagedCount(m, damaged))
        .append(", ")
        .append(hit)
        .append(" cached");
    if (m.excluded() > 0) {
      b.append(", ").append(m.excluded()).append(" excluded by `matrix.exclude`");
    }
    b.append(".\n\n");
    for (String note : m.notes()) {
      b.append("> note: ").append(note).append("\n\n");
    }
    b.append("| stage | cells | cached | to run |\n|---|---:|---:|---:|\n");
    for (Map.Entry<String, List<Cell>> e : m.byStage().entrySet()) {
      long c = e.getValue().stream().filter(cached).count();
      b.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(e.getValue().size())
          .append(" | ")
          .append(c)
          .append(" | ")
          .append(e.getValue().size() - c)
          .append(" |\n");
    }
    for (Map.Entry<String, List<Cell>> e : m.byStage().entrySet()) {
      b.append("\n<details><summary>")
          .append(e.getKey())
          .append(" (")
          .append(e.getValue().size())
          .append(")</summary>\n\n| cell | status | name |\n|---|---|---|\n");
      for (Cell cell : e.getValue()) {
        b.append("| `")
            .append(cell.id())
            .append("` | ")
            .append(status(cell, cached, damaged))
            .append(" | ")
            .append(coordinates(cell))
            .append(" |\n");
      }
      b.append("\n</details>\n");
    }
    return b.toString();
  }

  /** The cell's name, the same one its MLflow run and the run's summary show ({@link CellName}). */
  static String coordinates(Cell cell) {
    String name = CellName.of(cell.stage(), cell.coordinates());
    // An imported model is known by its file: the id and settings hold only its content hash.
    return cell.spec() instanceof ImportCellSpec i ? name + " (" + i.file() + ")" : name;
  }
}
