package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The guard of issue 14: every leaf key of {@code defaults.conf} and {@code concept-defaults.conf}
 * is classified here, and the classification is checked on the tiny study.
 *
 * <ul>
 *   <li>{@link Kind#SEMANTIC}: changing the key changes what core receives (the cell's typed spec:
 *       the {@code TrainSpec}, {@code ProbeSpec}, {@code TrakSpec}, architecture, data or concept
 *       its stage hands over) for at least one cell, and the cells whose id changes are exactly
 *       those cells plus everything that depends on them;
 *   <li>{@link Kind#STRUCTURAL}: the key changes which cells the matrix has;
 *   <li>{@link Kind#OPERATIONAL}: execution, tracking, naming, validation hints: no id changes.
 * </ul>
 *
 * A key added to a defaults file without a rule here fails {@link #everyKeyIsClassified}, naming
 * the key; a key whose rule is wrong (an unread key, an id that ignores a read key) fails {@link
 * #everyRuleHolds}.
 */
class EveryKeyReachesCoreTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");

  enum Kind {
    SEMANTIC,
    STRUCTURAL,
    OPERATIONAL
  }

  /**
   * @param context overrides applied to both sides, so that the key is read at all (e.g. the SGD
   *     momentum needs {@code name = sgd})
   * @param change the override that changes the key
   */
  record Rule(Kind kind, List<String> context, String change) {}

  private static Rule semantic(String change, String... context) {
    return new Rule(Kind.SEMANTIC, List.of(context), change);
  }

  private static Rule structural(String change, String... context) {
    return new Rule(Kind.STRUCTURAL, List.of(context), change);
  }

  private static Rule operational(String change, String... context) {
    return new Rule(Kind.OPERATIONAL, List.of(context), change);
  }

  private static final String FOLDER_CONCEPT =
      "concepts.shots { kind = folder, positives = /tmp/ctrace-pos }";
  private static final String PREDICATE_CONCEPT =
      "concepts.hl { kind = predicate, script = \"\"\"image.highLowContrast(8)\"\"\", threshold ="
          + " 0.5 }";
  private static final String RELATIVE_CONCEPT =
      "concepts.rel { kind = relative, a = wavy, b = hl }";

  private static final String ACTIVATION_CONCEPT =
      "concepts.act { kind = activation, reference = \"train-base[0]\", layer = layer2, channels ="
          + " [1, 2], fraction = 0.2 }";

  /** Concept keys are written {@code concepts.*.key}. */
  static final Map<String, Rule> RULES =
      Map.ofEntries(
          Map.entry("experiment.name", operational("experiment.name = other")),
          Map.entry("experiment.seed", semantic("experiment.seed = 11")),
          Map.entry("experiment.description", operational("experiment.description = changed")),
          Map.entry(
              "data.source",
              semantic(
                  "data.source = cifar10",
                  "data.train.path = /tmp/ctrace-cifar",
                  "data.val.path = /tmp/ctrace-cifar",
                  "concepts.wavy.classes = [5, 6]")),
          Map.entry(
              "data.classes",
              semantic(
                  "data.classes = 12",
                  "data.source = image-folder",
                  "data.classes = 10",
                  "data.train.path = /tmp/ctrace-folder",
                  "data.val.path = /tmp/ctrace-folder",
                  "concepts.wavy.classes = [3]")),
          Map.entry("data.image-size", semantic("data.image-size = 40")),
          Map.entry(
              "data.channels",
              semantic(
                  "data.channels = 1",
                  "data.source = image-folder",
                  "data.classes = 10",
                  "data.train.path = /tmp/ctrace-folder",
                  "data.val.path = /tmp/ctrace-folder",
                  "concepts.wavy.classes = [3]")),
          Map.entry(
              "data.train.path",
              semantic(
                  "data.train.path = /tmp/ctrace-cifar2",
                  "data.source = cifar10",
                  "data.train.path = /tmp/ctrace-cifar",
                  "data.val.path = /tmp/ctrace-cifar",
                  "concepts.wavy.classes = [cat]")),
          Map.entry("data.train.per-class", semantic("data.train.per-class = 13")),
          Map.entry("data.train.fraction", semantic("data.train.fraction = 0.5")),
          Map.entry(
              "data.train.size-hint",
              operational(
                  "data.train.size-hint = 6000",
                  "data.source = image-folder",
                  "data.classes = 10",
                  "data.train.path = /tmp/ctrace-folder",
                  "data.val.path = /tmp/ctrace-folder",
                  "concepts.wavy.classes = [3]")),
          Map.entry(
              "data.val.path",
              semantic(
                  "data.val.path = /tmp/ctrace-cifar2",
                  "data.source = cifar10",
                  "data.train.path = /tmp/ctrace-cifar",
                  "data.val.path = /tmp/ctrace-cifar",
                  "concepts.wavy.classes = [cat]")),
          Map.entry("data.val.per-class", semantic("data.val.per-class = 9")),
          Map.entry("data.val.fraction", semantic("data.val.fraction = 0.5")),
          Map.entry(
              "data.val.size-hint",
              operational(
                  "data.val.size-hint = 600",
                  "data.source = image-folder",
                  "data.classes = 10",
                  "data.train.path = /tmp/ctrace-folder",
                  "data.val.path = /tmp/ctrace-folder",
                  "concepts.wavy.classes = [3]")),
          Map.entry("model.arch", semantic("model.arch = resnet10")),
          Map.entry("model.width", semantic("model.width = 0.5")),
          Map.entry("model.stem", semantic("model.stem = standard")),
          // Imported base models replace the train-base cells by import-base cells (a --set value
          // is relative to the experiment file's directory).
          Map.entry(
              "model.checkpoints",
              structural(
                  "model.checkpoints = \"../checkpoints/small-cnn-w0.125/m*.safetensors\"",
                  "model.width = 0.125")),
          Map.entry("training.ensemble", structural("training.ensemble = 3")),
          Map.entry("training.epochs", semantic("training.epochs = 2")),
          Map.entry("training.batch-size", semantic("training.batch-size = 16")),
          Map.entry("training.optimizer.name", semantic("training.optimizer.name = adam")),
          Map.entry("training.optimizer.lr", semantic("training.optimizer.lr = 0.01")),
          Map.entry("training.optimizer.momentum", semantic("training.optimizer.momentum = 0.5")),
          Map.entry("training.optimizer.nesterov", semantic("training.optimizer.nesterov = false")),
          Map.entry("training.schedule.kind", semantic("training.schedule.kind = cosine")),
          Map.entry(
              "training.schedule.peak-epoch",
              semantic("training.schedule.peak-epoch = 2", "training.epochs = 2")),
          Map.entry(
              "training.schedule.start-factor", semantic("training.schedule.start-factor = 0.5")),
          Map.entry(
              "training.schedule.step-every",
              semantic("training.schedule.step-every = 5", "training.schedule.kind = step")),
          Map.entry(
              "training.schedule.step-factor",
              semantic("training.schedule.step-factor = 0.5", "training.schedule.kind = step")),
          Map.entry("training.weight-decay", semantic("training.weight-decay = 0.001")),
          Map.entry(
              "training.weight-decay-batchnorm",
              semantic("training.weight-decay-batchnorm = true")),
          Map.entry("training.label-smoothing", semantic("training.label-smoothing = 0.2")),
          Map.entry("training.augmentation.flip", semantic("training.augmentation.flip = false")),
          Map.entry(
              "training.augmentation.crop",
              semantic("training.augmentation.crop = random-resized")),
          Map.entry(
              "training.augmentation.crop-padding",
              semantic("training.augmentation.crop-padding = 3")),
          Map.entry(
              "training.progressive-resolution.enabled",
              semantic("training.progressive-resolution.enabled = true")),
          Map.entry(
              "training.progressive-resolution.min-size",
              semantic(
                  "training.progressive-resolution.min-size = 128",
                  "training.progressive-resolution.enabled = true")),
          Map.entry(
              "training.progressive-resolution.max-size",
              semantic(
                  "training.progressive-resolution.max-size = 224",
                  "training.progressive-resolution.enabled = true")),
          Map.entry(
              "training.progressive-resolution.start-epoch",
              semantic(
                  "training.progressive-resolution.start-epoch = 1",
                  "training.progressive-resolution.enabled = true",
                  "training.progressive-resolution.end-epoch = 2",
                  "training.epochs = 2")),
          Map.entry(
              "training.progressive-resolution.end-epoch",
              semantic(
                  "training.progressive-resolution.end-epoch = 1",
                  "training.progressive-resolution.enabled = true")),
          Map.entry(
              "concepts.*.kind",
              semantic(
                  "concepts.two.kind = relative",
                  PREDICATE_CONCEPT,
                  "concepts.two { kind = classes, classes = [star], a = wavy, b = hl }")),
          Map.entry("concepts.*.classes", semantic("concepts.wavy.classes = [snake]")),
          Map.entry(
              "concepts.*.script",
              semantic(
                  "concepts.hl.script = \"\"\"image.highLowContrast(4)\"\"\"", PREDICATE_CONCEPT)),
          Map.entry(
              "concepts.*.threshold", semantic("concepts.hl.threshold = 0.7", PREDICATE_CONCEPT)),
          Map.entry(
              "concepts.*.positives",
              semantic("concepts.shots.positives = /tmp/ctrace-pos2", FOLDER_CONCEPT)),
          Map.entry(
              "concepts.*.test-positives",
              semantic("concepts.shots.test-positives = /tmp/ctrace-pos3", FOLDER_CONCEPT)),
          Map.entry(
              "concepts.*.test-fraction",
              semantic("concepts.shots.test-fraction = 0.3", FOLDER_CONCEPT)),
          Map.entry(
              "concepts.*.a",
              semantic(
                  "concepts.rel.a = other",
                  PREDICATE_CONCEPT,
                  "concepts.other { kind = classes, classes = [star] }",
                  RELATIVE_CONCEPT)),
          Map.entry(
              "concepts.*.b",
              semantic(
                  "concepts.rel.b = other",
                  PREDICATE_CONCEPT,
                  "concepts.other { kind = classes, classes = [star] }",
                  RELATIVE_CONCEPT)),
          Map.entry(
              "concepts.*.reference",
              semantic("concepts.act.reference = \"train-base[1]\"", ACTIVATION_CONCEPT)),
          Map.entry(
              "concepts.*.layer", semantic("concepts.act.layer = layer1", ACTIVATION_CONCEPT)),
          Map.entry(
              "concepts.*.channels", semantic("concepts.act.channels = [3]", ACTIVATION_CONCEPT)),
          Map.entry(
              "concepts.*.combine", semantic("concepts.act.combine = sum", ACTIVATION_CONCEPT)),
          Map.entry(
              "concepts.*.fraction", semantic("concepts.act.fraction = 0.3", ACTIVATION_CONCEPT)),
          Map.entry("concepts.*.max-positives", semantic("concepts.wavy.max-positives = 5")),
          Map.entry("concepts.*.probe-epochs", semantic("concepts.wavy.probe-epochs = 6")),
          Map.entry("probes.layers", structural("probes.layers = [layer1, layer3]")),
          Map.entry("probes.sparsity", structural("probes.sparsity = [dense]")),
          Map.entry("probes.epochs", semantic("probes.epochs = 6")),
          Map.entry("probes.batch-size", semantic("probes.batch-size = 16")),
          Map.entry("probes.optimizer.name", semantic("probes.optimizer.name = sgd")),
          Map.entry("probes.optimizer.lr", semantic("probes.optimizer.lr = 0.1")),
          Map.entry(
              "probes.optimizer.momentum",
              semantic("probes.optimizer.momentum = 0.5", "probes.optimizer.name = sgd")),
          Map.entry(
              "probes.optimizer.nesterov",
              semantic("probes.optimizer.nesterov = true", "probes.optimizer.name = sgd")),
          Map.entry("probes.weight-decay", semantic("probes.weight-decay = 0.01")),
          Map.entry("probes.augmentation", semantic("probes.augmentation = false")),
          Map.entry(
              "probes.activations",
              semantic("probes.activations = pooled", "probes.sparsity = [dense, 4]")),
          Map.entry("attribution.method", semantic("attribution.method = grad-dot")),
          Map.entry("attribution.projections", semantic("attribution.projections = 2")),
          Map.entry("attribution.target-labels", semantic("attribution.target-labels = concept")),
          Map.entry("attribution.projection-dim", semantic("attribution.projection-dim = 16")),
          Map.entry("attribution.projection", semantic("attribution.projection = rademacher")),
          Map.entry("attribution.lambda", semantic("attribution.lambda = 0.01")),
          Map.entry("attribution.targets", semantic("attribution.targets = val")),
          Map.entry("attribution.pseudo-labels", semantic("attribution.pseudo-labels = 1")),
          Map.entry(
              "attribution.parameter-groups", semantic("attribution.parameter-groups = [probe]")),
          Map.entry("attribution.kernel-mode", semantic("attribution.kernel-mode = plain")),
          // The featurization batch: memory and speed, not the scores (up to float order).
          Map.entry("attribution.batch-size", operational("attribution.batch-size = 8")),
          Map.entry("prune.sizes", structural("prune.sizes = [12, 24]")),
          Map.entry("prune.arms", structural("prune.arms = [top]")),
          Map.entry("prune.layer", structural("prune.layer = layer2")),
          Map.entry("prune.sparsity", structural("prune.sparsity = [8]")),
          Map.entry(
              "prune.concepts",
              structural(
                  "prune.concepts = [wavy, other]",
                  "concepts.other { kind = classes, classes = [star] }")),
          Map.entry("prune.retrain-ensemble", structural("prune.retrain-ensemble = 1")),
          Map.entry("evaluate.lds.subsets", structural("evaluate.lds.subsets = 2")),
          Map.entry(
              "evaluate.lds.fraction",
              semantic("evaluate.lds.fraction = 0.3", "evaluate.lds.subsets = 2")),
          // A Kotlin filter over cells: structural, run and tested in KotlinBlocksTest (this test
          // loads without scripts, where the filter is reported and not applied).
          Map.entry("matrix.exclude", operational("matrix.exclude = \"\"\"false\"\"\"")),
          Map.entry(
              "tracking.enabled",
              operational("tracking.enabled = true", "tracking.uri = \"http://localhost:5999\"")),
          Map.entry("tracking.uri", operational("tracking.uri = \"http://localhost:5999\"")),
          // Bounds on the Kotlin blocks: they decide whether a file is accepted, not what runs.
          Map.entry("scripts.timeout", operational("scripts.timeout = 20s")),
          Map.entry("scripts.allow-unsafe", operational("scripts.allow-unsafe = true")),
          Map.entry("tracking.experiment-name", operational("tracking.experiment-name = other")),
          Map.entry("execution.device", operational("execution.device = gpu")),
          Map.entry("execution.jobs", operational("execution.jobs = 1")),
          Map.entry("execution.threads", operational("execution.threads = 1")),
          Map.entry("execution.store", operational("execution.store = elsewhere")),
          Map.entry("execution.executor", operational("execution.executor = slurm")),
          Map.entry("execution.slurm.partition", operational("execution.slurm.partition = short")),
          Map.entry("execution.slurm.account", operational("execution.slurm.account = lab")),
          Map.entry("execution.slurm.time", operational("execution.slurm.time = \"1:00:00\"")),
          Map.entry(
              "execution.slurm.cpus-per-task", operational("execution.slurm.cpus-per-task = 2")),
          Map.entry("execution.slurm.mem", operational("execution.slurm.mem = 8G")),
          Map.entry(
              "execution.slurm.gpus-per-task", operational("execution.slurm.gpus-per-task = 1")),
          Map.entry(
              "execution.slurm.extra-args",
              operational("execution.slurm.extra-args = [\"--qos=short\"]")));

  /** Leaf paths of a defaults file, including keys whose default is null or an empty list. */
  static List<String> leaves(String resource, String prefix) {
    List<String> out = new ArrayList<>();
    walk(ConfigFactory.parseResources(Experiment.class, resource).root(), prefix, out);
    return out;
  }

  private static void walk(ConfigObject object, String prefix, List<String> out) {
    for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT
          && !((ConfigObject) e.getValue()).isEmpty()) {
        walk((ConfigObject) e.getValue(), path, out);
      } else if (!path.equals("concepts")) { // concepts {} holds named concepts: keys below
        out.add(path);
      }
    }
  }

  static List<String> allKeys() {
    List<String> keys = new ArrayList<>(leaves("defaults.conf", ""));
    keys.addAll(leaves("concept-defaults.conf", "concepts.*"));
    return keys;
  }

  @Test
  void everyKeyIsClassified() {
    List<String> keys = allKeys();
    List<String> unclassified = keys.stream().filter(k -> !RULES.containsKey(k)).toList();
    assertThat(unclassified)
        .as(
            "keys of defaults.conf / concept-defaults.conf with no classification in"
                + " EveryKeyReachesCoreTest.RULES (semantic: reaches core; structural: adds or"
                + " removes cells; operational: changes no id)")
        .isEmpty();
    assertThat(RULES.keySet().stream().filter(k -> !keys.contains(k)).toList())
        .as("rules for keys that defaults.conf no longer has")
        .isEmpty();
  }

  @Test
  void everyRuleHolds() {
    List<String> failures = new ArrayList<>();
    for (String key : new TreeSet<>(RULES.keySet())) {
      Rule rule = RULES.get(key);
      try {
        check(key, rule).ifPresent(failures::add);
      } catch (RuntimeException e) {
        failures.add(key + ": " + e.getMessage());
      }
    }
    assertThat(failures).as("keys whose classification does not hold").isEmpty();
  }

  private static Optional<String> check(String key, Rule rule) {
    Study before = Study.load(rule.context());
    List<String> changed = new ArrayList<>(rule.context());
    changed.add(rule.change());
    Study after = Study.load(changed);
    Map<String, Cell> a = before.byPlace();
    Map<String, Cell> b = after.byPlace();
    switch (rule.kind()) {
      case STRUCTURAL -> {
        return a.keySet().equals(b.keySet())
            ? Optional.of(key + ": structural, but the matrix has the same cells")
            : Optional.empty();
      }
      case OPERATIONAL -> {
        Set<String> moved = new TreeSet<>();
        a.forEach(
            (place, cell) -> {
              Cell other = b.get(place);
              if (other == null || !other.id().equals(cell.id())) {
                moved.add(place);
              }
            });
        return moved.isEmpty()
            ? Optional.empty()
            : Optional.of(key + ": operational, but these ids changed: " + moved);
      }
      case SEMANTIC -> {
        if (!a.keySet().equals(b.keySet())) {
          return Optional.of(key + ": semantic, but it changed which cells exist");
        }
        Set<String> direct = new TreeSet<>();
        a.forEach(
            (place, cell) -> {
              if (!before.core(cell).equals(after.core(b.get(place)))) {
                direct.add(place);
              }
            });
        if (direct.isEmpty()) {
          return Optional.of(key + ": semantic, but no cell's core spec changed (an unread key)");
        }
        Set<String> expected = before.withDependents(direct);
        Set<String> moved = new TreeSet<>();
        a.forEach(
            (place, cell) -> {
              if (!b.get(place).id().equals(cell.id())) {
                moved.add(place);
              }
            });
        return moved.equals(expected)
            ? Optional.empty()
            : Optional.of(
                key
                    + ": the cells whose core spec changed (and their dependents) are "
                    + expected
                    + " but the ids that changed are "
                    + moved);
      }
    }
    throw new AssertionError(rule.kind());
  }

  /** The tiny study with overrides, expanded. */
  record Study(Experiment experiment, RunMatrix matrix) {
    static Study load(List<String> overrides) {
      Experiment e =
          new ExperimentLoader(
                  new ExperimentLoader.Options(overrides, false, false, false), Optional.empty())
              .load(TINY);
      return new Study(e, new MatrixExpander(Optional.empty()).expand(e));
    }

    /** Cells by stage and coordinates (what stays the same when a key changes). */
    Map<String, Cell> byPlace() {
      Map<String, Cell> out = new LinkedHashMap<>();
      for (Cell c : matrix.cells()) {
        out.put(c.label(), c);
      }
      return out;
    }

    /** The places of {@code places} and of every cell that reads them, transitively. */
    Set<String> withDependents(Set<String> places) {
      Map<String, List<String>> readers = new HashMap<>();
      Map<String, String> placeOf = new HashMap<>();
      for (Cell c : matrix.cells()) {
        placeOf.put(c.id(), c.label());
      }
      for (Cell c : matrix.cells()) {
        for (String input : c.inputs()) {
          readers.computeIfAbsent(placeOf.get(input), k -> new ArrayList<>()).add(c.label());
        }
      }
      Set<String> out = new TreeSet<>(places);
      Deque<String> todo = new ArrayDeque<>(places);
      while (!todo.isEmpty()) {
        for (String reader : readers.getOrDefault(todo.pop(), List.of())) {
          if (out.add(reader)) {
            todo.push(reader);
          }
        }
      }
      return out;
    }

    /**
     * What the cell's stage computes with: its typed spec, the one object the stage reads (the
     * trainer's, probe trainer's or TRAK's core spec with the architecture, data, concept and the
     * cell's own keys). Records compare by value, so a key that reaches a stage changes it.
     */
    Object core(Cell c) {
      return c.spec();
    }
  }
}
