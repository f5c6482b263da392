package io.conceptrace.dsl;

import io.conceptrace.dsl.Experiment.Arm;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Prune;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.ListReader.Element;
import io.conceptrace.dsl.ListReader.Form;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Binds {@code prune.*}: the prune sizes (each smaller than the training set), the arms, the layer
 * and sparsities whose attributions choose the images, and the concepts pruned for.
 */
final class PruneBinder {
  private PruneBinder() {}

  private static final List<String> ARMS = Stream.of(Arm.values()).map(ConfigReader::word).toList();

  static Prune bind(ConfigReader r, ListReader lists, Data data, Map<String, Concept> concepts) {
    OptionalInt trainSize = data.train().size();
    ListReader.Read<Integer> sizes =
        lists.readDistinct(
            "prune.sizes",
            Form.LIST_OR_SCRIPT,
            "prune sizes",
            (e, problem) -> size(e, problem, trainSize),
            k -> "prune size " + k);
    ListReader.Read<Arm> arms =
        lists.readDistinct(
            "prune.arms",
            Form.LIST,
            String.join(", ", ARMS),
            PruneBinder::arm,
            a -> "arm " + ConfigReader.word(a));
    boolean pruning = !sizes.items().isEmpty() || sizes.script().isPresent();
    Optional<String> layer = r.optionalString("prune.layer");
    if (pruning && layer.isEmpty()) {
      r.problem(
          "prune.layer",
          "required when prune.sizes is set: the layer whose attributions choose the images (the paper: layer3)");
    }
    if (pruning) {
      lists.requireNonEmpty(
          arms, "prune.arms", "empty: list at least one of " + String.join(", ", ARMS));
    }
    ListReader.Read<Sparsity> sparsity =
        ProbesBinder.sparsities(lists, "prune.sparsity", Form.LIST);
    ListReader.Read<String> pruned =
        lists.read(
            "prune.concepts",
            Form.LIST,
            "concept names",
            (e, problem) -> concept(e, problem, concepts));
    return new Prune(
        sizes.items(),
        sizes.unevaluated(),
        arms.items(),
        layer,
        sparsity.items(),
        // An empty list prunes for every concept.
        pruned.items().isEmpty() ? List.copyOf(concepts.keySet()) : pruned.items(),
        r.integer("prune.retrain-ensemble", 1, 10_000));
  }

  /** Whether the study prunes: sizes are listed or computed by a block. */
  static boolean pruning(ConfigReader r, Prune prune) {
    return !prune.sizes().isEmpty() || r.rawValue("prune.sizes.kotlin").isPresent();
  }

  private static Optional<Integer> size(
      Element e, Consumer<String> problem, OptionalInt trainSize) {
    if (!(e.value() instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < 1
        || n.doubleValue() > Integer.MAX_VALUE) {
      problem.accept("a prune size must be an integer >= 1, got " + e.value());
      return Optional.empty();
    }
    int k = n.intValue();
    if (trainSize.isPresent() && k >= trainSize.getAsInt()) {
      problem.accept(
          "prune size "
              + k
              + " is not smaller than the training set ("
              + trainSize.getAsInt()
              + " images)");
      return Optional.empty();
    }
    return Optional.of(k);
  }

  private static Optional<Arm> arm(Element e, Consumer<String> problem) {
    String a = String.valueOf(e.value());
    Optional<Arm> arm =
        Stream.of(Arm.values()).filter(x -> ConfigReader.word(x).equals(a)).findFirst();
    if (arm.isEmpty()) {
      problem.accept(
          "unknown arm '"
              + a
              + "'; arms are "
              + String.join(", ", ARMS)
              + ConfigReader.suggest(a, ARMS));
    }
    return arm;
  }

  private static Optional<String> concept(
      Element e, Consumer<String> problem, Map<String, Concept> concepts) {
    String s = String.valueOf(e.value());
    if (concepts.containsKey(s)) {
      return Optional.of(s);
    }
    problem.accept(
        "unknown concept '" + s + "'" + ConfigReader.suggest(s, List.copyOf(concepts.keySet())));
    return Optional.empty();
  }
}
