package io.conceptrace.dsl;

import io.conceptrace.dsl.Experiment.Evaluate;
import io.conceptrace.dsl.Experiment.Lds;

/** Binds {@code evaluate.*}: measurements of the attributions beyond their own cells. */
final class EvaluateBinder {
  private EvaluateBinder() {}

  /** {@code evaluate.lds}: no subsets (off) or at least two, each a proper share of the data. */
  static Evaluate bind(ConfigReader r) {
    int subsets = r.integer("evaluate.lds.subsets", 0, 100_000);
    if (subsets == 1) {
      r.problem(
          "evaluate.lds.subsets",
          "must be 0 (no LDS) or at least 2: a rank correlation across subsets needs two, got 1");
    }
    double fraction = r.number("evaluate.lds.fraction", 0, true, 1, true);
    return new Evaluate(new Lds(subsets, fraction));
  }
}
