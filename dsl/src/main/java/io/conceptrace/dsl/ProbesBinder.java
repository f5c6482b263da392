package io.conceptrace.dsl;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.dsl.Experiment.Activations;
import io.conceptrace.dsl.Experiment.Probes;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.ListReader.Element;
import io.conceptrace.dsl.ListReader.Form;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** Binds {@code probes.*}: the probed layers (names of the architecture), sparsities, training. */
final class ProbesBinder {
  private ProbesBinder() {}

  /**
   * @param spec the network whose layers are named; empty when the model has a problem (then the
   *     names are not checked)
   */
  static Probes bind(ConfigReader r, ListReader lists, Optional<ArchitectureSpec> spec) {
    ListReader.Read<String> layers =
        lists.readDistinct(
            "probes.layers",
            Form.LIST_OR_SCRIPT,
            "layer names",
            (e, problem) -> layer(e, problem, spec),
            s -> "layer " + s);
    lists.requireNonEmpty(layers, "probes.layers", "no layers: list at least one layer to probe");
    Activations activations = r.choice("probes.activations", Activations.class);
    ListReader.Read<Sparsity> sparsity = sparsities(lists, "probes.sparsity", Form.LIST_OR_SCRIPT);
    lists.requireNonEmpty(sparsity, "probes.sparsity", "empty: list dense and/or sparsities k");
    return new Probes(
        layers.items(),
        layers.unevaluated(),
        sparsity.items(),
        sparsity.unevaluated(),
        r.integer("probes.epochs", 1, 100_000),
        r.integer("probes.batch-size", 1, 1_000_000),
        TrainingBinder.optimizer(r, "probes.optimizer"),
        r.number("probes.weight-decay", 0, false, 1, false),
        r.bool("probes.augmentation"),
        activations);
  }

  private static Optional<String> layer(
      Element e, Consumer<String> problem, Optional<ArchitectureSpec> spec) {
    if (!(e.value() instanceof String s)) {
      problem.accept("a layer must be a name, got " + e.value());
      return Optional.empty();
    }
    if (spec.isPresent() && LayerCatalog.find(spec.get(), s).isEmpty()) {
      problem.accept(unknownLayer(s, spec.get()));
      return Optional.empty();
    }
    return Optional.of(s);
  }

  private static String unknownLayer(String name, ArchitectureSpec spec) {
    List<String> all = LayerCatalog.names(spec);
    String hint = Suggestions.nearest(name, all).map(s -> "did you mean " + s + "? ").orElse("");
    return "unknown layer '"
        + name
        + "' for "
        + spec.name()
        + "; "
        + hint
        + "probeable layers: "
        + String.join(", ", LayerCatalog.probeableSummary(spec))
        + " (and their .convN/.bnN parts)";
  }

  /** A list of sparsities ({@code probes.sparsity}, {@code prune.sparsity}), each once. */
  static ListReader.Read<Sparsity> sparsities(ListReader lists, String path, Form form) {
    return lists.readDistinct(
        path,
        form,
        "sparsities (dense or k)",
        ProbesBinder::sparsity,
        s -> "sparsity " + s.label());
  }

  private static Optional<Sparsity> sparsity(Element e, Consumer<String> problem) {
    Object o = e.value();
    if ("dense".equals(o)) {
      return Optional.of(Sparsity.DENSE);
    }
    if (o instanceof Number n
        && n.doubleValue() == Math.rint(n.doubleValue())
        && n.doubleValue() >= 1
        && n.doubleValue() < Integer.MAX_VALUE) {
      return Optional.of(new Sparsity(n.intValue()));
    }
    if (o instanceof String str && str.matches("\\d{1,9}") && Integer.parseInt(str) >= 1) {
      return Optional.of(new Sparsity(Integer.parseInt(str)));
    }
    problem.accept("a sparsity must be dense or an integer k >= 1, got " + o);
    return Optional.empty();
  }
}
