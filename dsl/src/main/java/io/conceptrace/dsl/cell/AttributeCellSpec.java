package io.conceptrace.dsl.cell;

import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.trak.AttributionMethod;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code attribute}: the input probes' concept predictions at {@code layer}, attributed to the
 * training images by {@code method} over the whole ensemble (the inputs: every base model, then
 * every probe, in member order).
 *
 * @param targets the images whose predictions are attributed
 * @param targetLabels whose labels the targets get: the designated probe's or the concept's
 * @param pseudoLabelMember the ensemble member whose probe labels the training images (and the
 *     targets with {@code target-labels = probe}), as in the paper's §2.2
 * @param probePooling how the probes read the layer (the probe head's input)
 * @param stabilityTopK the top-k sizes whose overlap the stability figures report ({@link
 *     CellSpecs#STABILITY_TOP_K}; those not below the training-set size are skipped)
 */
public record AttributeCellSpec(
    ConceptRef concept,
    String layer,
    AttributionMethod method,
    TrakSpec trak,
    Experiment.Targets targets,
    Experiment.TargetLabels targetLabels,
    int pseudoLabelMember,
    Pooling probePooling,
    List<Integer> stabilityTopK)
    implements CellSpec {

  public AttributeCellSpec {
    stabilityTopK = List.copyOf(stabilityTopK);
  }

  @Override
  public long seed() {
    return trak.projectionSeed();
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> a = Canonical.trak(trak);
    a.put("method", method.word());
    a.put("targets", Canonical.word(targets));
    a.put("target-labels", Canonical.word(targetLabels));
    a.put("pseudo-labels", pseudoLabelMember);
    a.put("probe-activations", Canonical.activations(probePooling));
    a.put("stability-top-k", stabilityTopK);
    Map<String, Object> s = new TreeMap<>();
    s.put("concept", concept.definition());
    s.put("layer", layer);
    s.put("attribution", a);
    return Canonical.cell(s, seed());
  }
}
