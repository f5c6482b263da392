package io.conceptrace.dsl.cell;

import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.dsl.Experiment;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code probe} and {@code reprobe}: a concept probe trained with {@code probe} on the activations
 * of {@code layer} of the input model, for {@code concept}.
 *
 * @param augmentation how each probe batch is augmented on the fly through the frozen subnetwork;
 *     empty: cached, un-augmented activations
 * @param recordedTargets for {@code lds-probe} cells: the attribution targets on which the new
 *     probe's logits are recorded; empty for the other stages
 */
public record ProbeCellSpec(
    ConceptRef concept,
    String layer,
    ProbeSpec probe,
    Optional<Augmentation> augmentation,
    Optional<Experiment.Targets> recordedTargets)
    implements CellSpec {

  @Override
  public long seed() {
    return probe.seed();
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("concept", concept.definition());
    s.put("layer", layer);
    s.put("sparsity", Canonical.sparsity(probe));
    s.put("probes", Canonical.probe(probe, augmentation));
    recordedTargets.ifPresent(t -> s.put("targets", Canonical.word(t)));
    return Canonical.cell(s, seed());
  }
}
