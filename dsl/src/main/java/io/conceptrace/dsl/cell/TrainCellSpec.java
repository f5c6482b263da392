package io.conceptrace.dsl.cell;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.train.TrainSpec;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code train-base}, {@code retrain} and {@code lds-train}: one model of {@code architecture}
 * trained with {@code training} (seeded with the cell's seed) on {@code data}'s training split,
 * minus a prune set's images for {@code retrain} (the prune set is the cell's input), or on one
 * seeded subset of it for {@code lds-train}.
 *
 * @param ldsSubset the subset an {@code lds-train} cell trains on; empty for the other stages
 */
public record TrainCellSpec(
    DataSpec data,
    ArchitectureSpec architecture,
    TrainSpec training,
    java.util.Optional<LdsSubset> ldsSubset)
    implements CellSpec {

  @Override
  public long seed() {
    return training.seed();
  }

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("data", data.canonical());
    s.put("model", Canonical.model(architecture));
    s.put("training", Canonical.training(training));
    ldsSubset.ifPresent(l -> s.put("lds", l.canonical()));
    return Canonical.cell(s, seed());
  }
}
