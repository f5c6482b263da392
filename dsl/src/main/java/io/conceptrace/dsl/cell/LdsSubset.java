package io.conceptrace.dsl.cell;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which seeded α-subset of the training set an {@code lds-train} model trains on.
 *
 * @param index j
 * @param seed the study's subset seed: with j, the only thing the draw depends on (never N)
 */
public record LdsSubset(double fraction, int index, long seed) {
  Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("fraction", fraction);
    s.put("subset", index);
    s.put("subset-seed", seed);
    return s;
  }
}
