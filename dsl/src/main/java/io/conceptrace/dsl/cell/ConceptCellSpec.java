package io.conceptrace.dsl.cell;

import io.conceptrace.dsl.Experiment;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code concept}: an activation concept's scores on every training and validation image and its
 * threshold, computed from its reference model (the cell's {@code train-base} input, or a
 * TorchScript file whose content hash is in {@code definition}). The probe, attribution and
 * re-probe cells of the concept read them.
 *
 * @param concept the concept's name and definition (what its probe cells record as their concept)
 * @param activation the typed definition the stage computes with
 */
public record ConceptCellSpec(
    ConceptRef concept, Experiment.Activation activation, DataSpec data, long seed)
    implements CellSpec {

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("concept", concept.definition());
    // A base-model reference brings the data in through its id; a file reference does not.
    if (!(activation.reference() instanceof Experiment.Reference.BaseModel)) {
      s.put("data", data.canonical());
    }
    return Canonical.cell(s, seed);
  }
}
