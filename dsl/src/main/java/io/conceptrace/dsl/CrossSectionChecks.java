package io.conceptrace.dsl;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.dsl.Experiment.Activations;
import io.conceptrace.dsl.Experiment.Attribution;
import io.conceptrace.dsl.Experiment.Probes;
import io.conceptrace.dsl.Experiment.Prune;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.Experiment.Training;
import io.conceptrace.dsl.script.ScriptBlock;
import java.util.Arrays;
import java.util.Optional;

/**
 * Relations between sections, checked once every section is bound: a value of one section that only
 * another section can judge. A check whose other side had a problem of its own is skipped, so that
 * no message is about a fallback value. (The resource and run-time predicates of core are in {@link
 * FailBeforeCompute}, which runs after these.)
 */
final class CrossSectionChecks {
  private CrossSectionChecks() {}

  static void check(
      ConfigReader r,
      Training training,
      Probes probes,
      Attribution attribution,
      Prune prune,
      Optional<ArchitectureSpec> spec) {
    spec.ifPresent(s -> sparsityBelowLayerWidth(r, probes, s));
    pseudoLabelsNameAMember(r, training, attribution);
    pruneLayerIsProbed(r, probes, prune);
    pruneSparsityIsProbed(r, probes, prune);
  }

  /** probes.sparsity × the layers' widths (model and data): core's own predicate. */
  private static void sparsityBelowLayerWidth(
      ConfigReader r, Probes probes, ArchitectureSpec spec) {
    // A computed list is reported at its block, like its own elements.
    SourcePosition at =
        r.script("probes.sparsity.kotlin")
            .map(ScriptBlock::position)
            .orElseGet(() -> r.position("probes.sparsity"));
    for (String layer : probes.layers()) {
      LayerInfo info = LayerCatalog.find(spec, layer).orElseThrow();
      boolean flat = probes.activations() == Activations.FLAT;
      long width = flat ? info.flatSize() : info.channels();
      for (Sparsity s : probes.sparsity()) {
        if (s.dense()) {
          continue;
        }
        // The probe trainer's own predicate, so that validation and execution agree.
        ProbeSpec.sparsityProblem(s.k(), width, layer)
            .ifPresent(
                m ->
                    r.problemAt(
                        at,
                        "probes.sparsity",
                        m
                            + (flat
                                ? "; flattened activations, shape " + Arrays.toString(info.shape())
                                : "; pooled channels")));
      }
    }
  }

  /** attribution.pseudo-labels × training.ensemble: the probe of an existing member. */
  private static void pseudoLabelsNameAMember(
      ConfigReader r, Training training, Attribution attribution) {
    if (r.hasProblem("training.ensemble")) {
      return;
    }
    if (attribution.pseudoLabels() >= training.ensemble()) {
      r.problem(
          "attribution.pseudo-labels",
          "must name an ensemble member 0.."
              + (training.ensemble() - 1)
              + ", got "
              + attribution.pseudoLabels());
    }
  }

  /** prune.layer × probes.layers: attributions exist only for probed layers. */
  private static void pruneLayerIsProbed(ConfigReader r, Probes probes, Prune prune) {
    if (PruneBinder.pruning(r, prune)
        && prune.layer().isPresent()
        && !probes.layers().isEmpty()
        && !probes.layers().contains(prune.layer().get())) {
      r.problem(
          "prune.layer",
          "layer "
              + prune.layer().get()
              + " is not probed; probes.layers = ["
              + String.join(", ", probes.layers())
              + "]");
    }
  }

  /** prune.sparsity × probes.sparsity: attributions exist only for trained probes. */
  private static void pruneSparsityIsProbed(ConfigReader r, Probes probes, Prune prune) {
    if (probes.sparsity().isEmpty()) {
      return;
    }
    for (Sparsity s : prune.sparsity()) {
      if (!probes.sparsity().contains(s)) {
        r.problem("prune.sparsity", "sparsity " + s.label() + " is not in probes.sparsity");
      }
    }
  }
}
