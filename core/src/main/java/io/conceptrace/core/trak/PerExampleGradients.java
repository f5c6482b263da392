package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;

/**
 * ∇θ of the output function f(z; θ) = (2y−1)·s(z; θ) (the signed probe margin), one row per
 * example, over the selected parameters θ in a fixed order: the subnetwork's selected parameters in
 * forward order, each flattened, then the probe's w and b (when selected).
 */
public interface PerExampleGradients {
  /** P, the length of one gradient. */
  long dimension();

  /**
   * Gradients and margins of a batch.
   *
   * @param x inputs [B, ...] of the subnetwork
   * @param labels pseudo-labels y ∈ {0, 1}, one per example
   */
  Result compute(NDArray x, boolean[] labels);

  /**
   * @param gradients float32 [B, P], attached to x's manager
   * @param margins f(z_i; θ) for each example
   */
  record Result(NDArray gradients, float[] margins) {}

  /** The exact batched method (expanded weights, one backward pass per batch). */
  static PerExampleGradients batched(ConceptModel model, ParameterGroups groups) {
    return new ExpandedWeightGradients(model, groups);
  }

  /** One backward pass per example: slow; the oracle for tests and the benchmark's baseline. */
  static PerExampleGradients loop(ConceptModel model, ParameterGroups groups) {
    return new LoopGradients(model, groups);
  }
}
