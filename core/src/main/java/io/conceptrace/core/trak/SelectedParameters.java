package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;

/**
 * The subnetwork parameters a parameter group selects, in forward order, and the length P of one
 * per-example gradient over them (plus the probe's weights and bias when the group includes it).
 * Shared by the batched gradients and their loop oracle so both flatten the same coordinates.
 */
record SelectedParameters(List<String> names, long dimension) {
  SelectedParameters {
    names = List.copyOf(names);
  }

  static SelectedParameters of(ConceptModel model, ParameterGroups groups) {
    Map<String, NDArray> params = model.subnetwork().parameters();
    List<String> names = groups.select(params.keySet());
    long p = 0;
    for (String name : names) {
      p += params.get(name).size();
    }
    return new SelectedParameters(names, p + (groups.probe() ? model.probe().width() + 1L : 0L));
  }
}
