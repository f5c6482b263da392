package io.conceptrace.runner.stages;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.concept.ConceptSpec;
import io.conceptrace.core.io.Npy;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.cell.ConceptRef;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.store.StoredCell;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The experiment's concept sets, built once per process (a predicate concept evaluates its script
 * on every base image) and shared by every probe, attribution and re-probe cell.
 */
final class Concepts {
  private final Experiment experiment;
  private final CellSpecs specs;
  private final StudyData data;
  private final Optional<KotlinScriptHost> scripts;
  private final Map<String, ConceptSet> sets = new HashMap<>();

  Concepts(Experiment experiment, StudyData data, Optional<KotlinScriptHost> scripts) {
    this.experiment = experiment;
    this.specs = new CellSpecs(experiment);
    this.data = data;
    this.scripts = scripts;
  }

  /**
   * The sets of the concept a cell reads; fails unless the cell's definition is the one this
   * registry builds (a cell planned from another version of the file must not read other sets).
   *
   * @param conceptCells the cell's {@code concept} inputs: the scores of its activation concepts
   */
  ConceptSet get(ConceptRef ref, List<StoredCell> conceptCells) {
    ConceptRef own = specs.concept(concept(ref.name()));
    if (!own.equals(ref)) {
      throw new IllegalStateException(
          "concept "
              + ref.name()
              + ": the cell's definition "
              + ref.definition()
              + " is not the study's "
              + own.definition());
    }
    return get(ref.name(), conceptCells);
  }

  /**
   * The sets of a concept by name, built on first use and shared by the cells; an activation
   * concept's from its {@code concept} cell among {@code conceptCells} (keyed by that cell too).
   */
  synchronized ConceptSet get(String name, List<StoredCell> conceptCells) {
    String key = name;
    for (StoredCell c : conceptCells) {
      key += "\u0000" + c.record().cellId();
    }
    ConceptSet set = sets.get(key);
    if (set == null) {
      Experiment.Concept c = concept(name);
      ConceptSet.Builder b =
          ConceptSet.builder()
              .setName(name)
              .setSpec(spec(c, conceptCells))
              .setTrainSource(data.train())
              .setTestSource(data.val())
              // The seed the cells' concept definitions record as sample-seed.
              .optSeed(specs.conceptSampleSeed(name))
              .optFolderTestFraction(c.testFraction());
      c.maxPositives().ifPresent(b::optMaxPositives);
      set = b.build();
      sets.put(key, set);
    }
    return set;
  }

  /**
   * Records in the cell's provenance what its concept set is, by class name rather than id, so that
   * MLflow shows it with the run's concept dataset.
   */
  void describe(CellContext ctx, ConceptRef ref, ConceptSet set) {
    Experiment.Concept c = concept(ref.name());
    if (!c.classNames().isEmpty()) {
      ctx.provenance("concept.classes", String.join(", ", c.classNames()));
    }
    ctx.provenance("concept.sizes", set.sizes().toString());
  }

  Experiment.Concept concept(String name) {
    Experiment.Concept c = experiment.concepts().get(name);
    if (c == null) {
      throw new BadInputException("unknown concept " + name);
    }
    return c;
  }

  private ConceptSpec spec(Experiment.Concept c, List<StoredCell> conceptCells) {
    return switch (c.kind()) {
      case CLASSES -> {
        if (c.classIds().isEmpty()) {
          throw new BadInputException(
              "concept "
                  + c.name()
                  + ": its classes are computed by a Kotlin block (run without --no-scripts)");
        }
        yield new ConceptSpec.ClassSubset(c.classIds());
      }
      case PREDICATE -> {
        KotlinScriptHost host =
            scripts.orElseThrow(
                () ->
                    new BadInputException(
                        "concept "
                            + c.name()
                            + " is a Kotlin predicate; run without --no-scripts"));
        var block = c.script().orElseThrow();
        KotlinScriptHost.ImageScore score = host.predicate(block);
        String text = block.source().strip();
        if (c.threshold().isPresent()) {
          yield ConceptSpec.PredicateConcept.threshold(
              text, view -> number(c, score.apply(view)), c.threshold().getAsDouble());
        }
        yield new ConceptSpec.PredicateConcept(text, view -> truth(c, score.apply(view)));
      }
      case FOLDER -> folder(c);
      case RELATIVE ->
          new ConceptSpec.Relative(
              spec(concept(c.a().orElseThrow()), conceptCells),
              spec(concept(c.b().orElseThrow()), conceptCells));
      case ACTIVATION -> activation(c, conceptCells);
    };
  }

  /** An activation concept's spec from the scores and threshold its {@code concept} cell wrote. */
  static ConceptSpec.TopActivating activation(Experiment.Concept c, List<StoredCell> conceptCells) {
    StoredCell cell =
        conceptCells.stream()
            .filter(s -> c.name().equals(s.record().coordinates().get("concept")))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "activation concept "
                            + c.name()
                            + " read without its concept cell (the matrix gives "
                            + conceptCells.size()
                            + " concept inputs)"));
    Experiment.Activation a = c.activation().orElseThrow();
    return new ConceptSpec.TopActivating(
        a.combine().name().toLowerCase(java.util.Locale.ROOT)
            + " of "
            + a.layer()
            + " channels "
            + a.channels()
            + " of "
            + a.reference().label()
            + ", top "
            + a.fraction(),
        Npy.readFloat64(cell.artifact(ConceptStage.TRAIN_SCORES)),
        Npy.readFloat64(cell.artifact(ConceptStage.VAL_SCORES)),
        Npy.readFloat64(cell.artifact(ConceptStage.THRESHOLD))[0]);
  }

  /** A folder concept's core spec: its positives, and its test positives if given. */
  static ConceptSpec.PositiveFolder folder(Experiment.Concept c) {
    return new ConceptSpec.PositiveFolder(
        c.positives()
            .orElseThrow(() -> new BadInputException("concept " + c.name() + " needs positives")),
        c.testPositives());
  }

  private static double number(Experiment.Concept c, Object v) {
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new BadInputException(
        "concept "
            + c.name()
            + ": the block must return a number when a threshold is set, got "
            + KotlinScriptHost.describe(v));
  }

  private static boolean truth(Experiment.Concept c, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Number n) {
      return n.doubleValue() > 0;
    }
    throw new BadInputException(
        "concept "
            + c.name()
            + ": the block must return true/false or a number, got "
            + KotlinScriptHost.describe(v));
  }
}
