package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * f_{m,l}: a base network up to and including the probed layer, in evaluation mode (batch norm uses
 * its running statistics). Functional, so that attribution can pass per-example weights.
 */
public interface Subnetwork {
  /**
   * The trainable parameters used to compute the layer, in forward order, with torchvision names
   * ({@code conv1.weight}, {@code layer1.0.bn1.bias}, …).
   */
  Map<String, NDArray> parameters();

  /**
   * The layer's output for a batch x, unflattened. A parameter present in {@code overrides} with
   * one extra leading axis of size B replaces the network's own one per example (expanded weights);
   * parameters missing from {@code overrides} are the network's.
   */
  NDArray forward(NDArray x, Map<String, NDArray> overrides);

  /**
   * The empty subnetwork: inputs already are the layer's activations (e.g. cached by the probe
   * stage). Only the probe can then be attributed ({@code probe-only}).
   */
  static Subnetwork activations() {
    return new Subnetwork() {
      @Override
      public Map<String, NDArray> parameters() {
        return Map.of();
      }

      @Override
      public NDArray forward(NDArray x, Map<String, NDArray> overrides) {
        return x;
      }
    };
  }
}
