package io.conceptrace.runner.stages;

import io.conceptrace.core.BadInputException;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The data sets and concept sets of a study, opened once per process and shared by its cells; and
 * the early stage that builds the predicate concepts' sets before any cell runs.
 *
 * <p>A predicate concept is known to work only once its block has been called on the images: a
 * block that returns a string, or is true for no image, used to fail in the first probe cell, after
 * every base model had trained. {@link #checkConcepts} builds those sets first (the very sets the
 * cells then use, so the work is not repeated) and turns a failure into a problem at the block's
 * {@code FILE:LINE}. {@code ctrace validate} runs it for generated data, where making the images
 * costs a second; {@code ctrace run} runs it for every source before its first cell.
 */
public final class StudyInputs {
  private final Experiment experiment;
  private final StudyData data;
  private final Concepts concepts;

  /**
   * @param scripts the Kotlin host for predicate concepts (empty under {@code --no-scripts})
   */
  public StudyInputs(Experiment experiment, Optional<KotlinScriptHost> scripts) {
    this.experiment = experiment;
    this.data = new StudyData(new CellSpecs(experiment).data());
    this.concepts = new Concepts(experiment, data, scripts);
  }

  /** Whether the study's images are generated, so that {@link #checkConcepts} is cheap. */
  public static boolean generatedData(Experiment experiment) {
    return experiment.data().source().equals("synthetic");
  }

  /**
   * Builds the set of every predicate concept; one problem per concept whose block fails on the
   * images (wrong result type, too slow, refused) or selects no image, or every image, of a split.
   */
  public List<Problem> checkConcepts() {
    List<Problem> problems = new ArrayList<>();
    for (Experiment.Concept c : experiment.concepts().values()) {
      if (c.kind() != ConceptKind.PREDICATE || c.script().isEmpty()) {
        continue;
      }
      ScriptBlock block = c.script().get();
      try {
        concepts.get(c.name(), List.of());
      } catch (ScriptException e) {
        problems.addAll(e.problems());
      } catch (BadInputException e) {
        String message = e.getMessage().replaceFirst("^concept " + c.name() + ": ", "");
        problems.add(new Problem(block.position(), block.path(), message));
      }
    }
    return problems;
  }

  Experiment experiment() {
    return experiment;
  }

  StudyData data() {
    return data;
  }

  Concepts concepts() {
    return concepts;
  }
}
