package io.conceptrace.core.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The activations of one layer for the examples of one concept split, as probe features. Either
 * precomputed ({@link CachedActivations}: the same values every epoch) or computed on the fly
 * through the frozen subnetwork from freshly augmented images.
 */
public interface ActivationSource {
  /** The number of examples (rows). */
  int size();

  /** The number of features per example. */
  long features();

  /**
   * The activations of the given rows, float32 {@code [rows.length, features()]}, created in (and
   * owned by) {@code manager}. An augmenting source returns a new random view on each call.
   */
  NDArray rows(int[] rows, NDManager manager);
}
