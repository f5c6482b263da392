package io.conceptrace.dsl.script;

import io.conceptrace.core.concept.ImageView;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Problem;
import java.util.List;
import java.util.function.Predicate;

/**
 * Turns a predicate concept's Kotlin block into the {@code Predicate<ImageView>} the science module
 * takes: a Boolean result is membership; a number is compared with the concept's {@code threshold}
 * (positive when {@code score >= threshold}).
 */
public final class ConceptPredicates {
  private ConceptPredicates() {}

  /** Compiles (once per host) and wraps the concept's block; runs code from the experiment file. */
  public static Predicate<ImageView> of(Concept concept, KotlinScriptHost host) {
    if (concept.kind() != ConceptKind.PREDICATE || concept.script().isEmpty()) {
      throw new IllegalArgumentException(concept.name() + " is not a predicate concept");
    }
    ScriptBlock block = concept.script().get();
    KotlinScriptHost.ImageScore score = host.predicate(block);
    return image -> {
      Object r = score.apply(image);
      if (r instanceof Boolean b) {
        return b;
      }
      if (r instanceof Number n) {
        if (concept.threshold().isEmpty()) {
          throw new ScriptException(
              List.of(
                  new Problem(
                      block.position(),
                      block.path(),
                      "the block returns a number ("
                          + n
                          + "); set concepts."
                          + concept.name()
                          + ".threshold, or return true/false")));
        }
        return n.doubleValue() >= concept.threshold().getAsDouble();
      }
      throw new ScriptException(
          List.of(
              new Problem(
                  block.position(),
                  block.path(),
                  "the block must return true/false or a number, got "
                      + KotlinScriptHost.describe(r)
                      + " for image "
                      + image.id())));
    };
  }
}
