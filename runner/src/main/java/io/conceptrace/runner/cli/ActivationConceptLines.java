package io.conceptrace.runner.cli;

import io.conceptrace.core.concept.ActivationConcept;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.store.StoredCell;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@code ctrace plan} says of each activation concept: its definition and the positives its
 * fraction takes, and its threshold and counts once its {@code concept} cell is in the store
 * (before that, which cell computes them).
 */
final class ActivationConceptLines {
  private ActivationConceptLines() {}

  /**
   * @param stored a cell's complete directory in the run store, if it has one
   */
  static String render(
      Experiment e, RunMatrix m, Function<Cell, Optional<StoredCell>> stored, boolean markdown) {
    List<Cell> cells = m.byStage().getOrDefault(Stages.CONCEPT, List.of());
    if (cells.isEmpty()) {
      return "";
    }
    StringBuilder b =
        new StringBuilder(markdown ? "\n**activation concepts**\n\n" : "\nactivation concepts\n");
    for (Cell cell : cells) {
      String name = cell.coordinates().get("concept");
      Experiment.Concept c = e.concepts().get(name);
      Experiment.Activation a = c.activation().orElseThrow();
      b.append(markdown ? "- " : "  ")
          .append(name)
          .append(": ")
          .append(definition(e, a))
          .append('\n');
      Optional<StoredCell> done = stored.apply(cell);
      String result =
          done.map(
                  s ->
                      "threshold "
                          + metric(s, "threshold")
                          + ", "
                          + metric(s, "train.positives")
                          + " train / "
                          + metric(s, "val.positives")
                          + " val positives (cell "
                          + cell.id()
                          + ")")
              .orElse("threshold: computed by cell " + cell.id() + " (" + cell.label() + ")");
      b.append(markdown ? "  - " : "    ").append(result).append('\n');
    }
    return b.toString();
  }

  private static String definition(Experiment e, Experiment.Activation a) {
    String reference = a.reference().label();
    String out =
        a.combine().name().toLowerCase(Locale.ROOT)
            + " over channels "
            + a.channels()
            + " of the L2 norms at "
            + a.layer()
            + " of "
            + reference
            + ", top "
            + a.fraction();
    if (e.data().train().size().isPresent()) {
      int n = e.data().train().size().getAsInt();
      out +=
          " of " + n + " training images (" + ActivationConcept.positivesFor(n, a.fraction()) + ")";
    }
    return out;
  }

  private static String format(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.4g", v);
  }

  private static String metric(StoredCell cell, String name) {
    return cell.metrics().stream()
        .filter(x -> x.name().equals(name))
        .reduce((x, y) -> y)
        .map(x -> format(x.value()))
        .orElse("?");
  }
}
