package io.conceptrace.dsl;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.dsl.Experiment.Attribution;
import io.conceptrace.dsl.Experiment.KernelMode;
import io.conceptrace.dsl.Experiment.Projection;
import io.conceptrace.dsl.Experiment.TargetLabels;
import io.conceptrace.dsl.Experiment.Targets;
import io.conceptrace.dsl.ListReader.Element;
import io.conceptrace.dsl.ListReader.Form;
import java.util.Optional;
import java.util.function.Consumer;

/** Binds {@code attribution.*}: the estimators, the projection, the targets, the parameters. */
final class AttributionBinder {
  private AttributionBinder() {}

  /**
   * @param spec the network whose modules parameter groups may name; empty when the model has a
   *     problem (then the names are not checked)
   */
  static Attribution bind(ConfigReader r, ListReader lists, Optional<ArchitectureSpec> spec) {
    ListReader.Read<String> methods =
        lists.readDistinct(
            "attribution.method",
            Form.LIST_OR_SCALAR,
            "estimator names",
            AttributionBinder::method,
            m -> "method " + m);
    lists.requireNonEmpty(
        methods, "attribution.method", "empty: name at least one method, e.g. trak");
    int pseudo = r.integer("attribution.pseudo-labels", 0, Integer.MAX_VALUE);
    Targets targets = r.choice("attribution.targets", Targets.class);
    TargetLabels targetLabels = r.choice("attribution.target-labels", TargetLabels.class);
    if (targetLabels == TargetLabels.CONCEPT && targets == Targets.VAL) {
      r.problem(
          "attribution.target-labels",
          "concept labels exist only for targets = concept-test; use probe with targets = val");
    }
    ListReader.Read<String> groups =
        lists.read(
            "attribution.parameter-groups",
            Form.LIST,
            "parameter groups",
            (e, problem) -> parameterGroup(e, problem, spec));
    lists.requireNonEmpty(
        groups,
        "attribution.parameter-groups",
        "empty: use [all] to attribute through every parameter");
    return new Attribution(
        methods.items(),
        r.integer("attribution.projection-dim", 1, 1 << 24),
        r.integer("attribution.projections", 1, 1024),
        r.choice("attribution.projection", Projection.class),
        r.number("attribution.lambda", 0, false, Double.POSITIVE_INFINITY, true),
        targets,
        targetLabels,
        pseudo,
        groups.items(),
        r.choice("attribution.kernel-mode", KernelMode.class),
        r.integer("attribution.batch-size", 1, 1_000_000));
  }

  private static Optional<String> method(Element e, Consumer<String> problem) {
    String m = String.valueOf(e.value());
    if (Attribution.METHODS.contains(m)) {
      return Optional.of(m);
    }
    problem.accept(
        "unknown method '"
            + m
            + "'; use "
            + String.join(", ", Attribution.METHODS)
            + " or a list of them"
            + Suggestions.nearest(m, Attribution.METHODS)
                .map(x -> " (did you mean " + x + "?)")
                .orElse(""));
    return Optional.empty();
  }

  private static Optional<String> parameterGroup(
      Element e, Consumer<String> problem, Optional<ArchitectureSpec> spec) {
    String g = String.valueOf(e.value());
    if (g.equals("all") || g.equals("probe") || spec.isEmpty()) {
      return Optional.of(g);
    }
    if (LayerCatalog.names(spec.get()).stream()
        .anyMatch(n -> n.equals(g) || n.startsWith(g + "."))) {
      return Optional.of(g);
    }
    problem.accept(
        "unknown parameter group '" + g + "'; use all, probe, or a module name such as layer3");
    return Optional.empty();
  }
}
