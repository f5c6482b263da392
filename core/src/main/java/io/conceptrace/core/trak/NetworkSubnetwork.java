package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A trained base {@link Network} cut at a named layer, evaluated in {@link Mode#EVAL}. */
public final class NetworkSubnetwork implements Subnetwork {
  private final Network network;
  private final String layer;
  private final Map<String, NDArray> parameters;

  public NetworkSubnetwork(Network network, String layer) {
    this.network = network;
    this.layer = layer;
    Map<String, NDArray> used = new LinkedHashMap<>();
    for (String name : network.parameterNamesUpTo(layer)) {
      used.put(name, network.parameters().get(name));
    }
    this.parameters = Collections.unmodifiableMap(used);
  }

  public String layer() {
    return layer;
  }

  @Override
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  @Override
  public NDArray forward(NDArray x, Map<String, NDArray> overrides) {
    return network.forwardTo(x, layer, Mode.EVAL, overrides);
  }
}
