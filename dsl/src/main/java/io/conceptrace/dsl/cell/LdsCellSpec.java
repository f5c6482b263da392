package io.conceptrace.dsl.cell;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code lds}: the linear datamodeling score of one attribute cell against {@code subsets} subset
 * models and their probes (the inputs: the attribute cell, the designated base model and probe,
 * then every subset model and probe).
 *
 * @param attribution the spec of the attribute cell scored: its targets, their labels and the
 *     probes' pooling are what the measured margins are signed and computed with
 * @param seed the bootstrap's seed
 */
public record LdsCellSpec(AttributeCellSpec attribution, int subsets, double fraction, long seed)
    implements CellSpec {

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> lds = new TreeMap<>();
    lds.put("subsets", subsets);
    lds.put("fraction", fraction);
    Map<String, Object> s = new TreeMap<>();
    s.put("lds", lds);
    s.put("scored", attribution.canonical());
    return Canonical.cell(s, seed);
  }
}
