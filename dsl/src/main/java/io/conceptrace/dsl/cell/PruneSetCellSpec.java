package io.conceptrace.dsl.cell;

import io.conceptrace.dsl.Experiment;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code prune-set}: the {@code k} training images an arm removes, chosen from the input attribute
 * cell's ranking (top, bottom) or at random with the cell's seed.
 */
public record PruneSetCellSpec(int k, Experiment.Arm arm, long seed) implements CellSpec {

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("k", k);
    s.put("arm", Canonical.word(arm));
    return Canonical.cell(s, seed);
  }
}
