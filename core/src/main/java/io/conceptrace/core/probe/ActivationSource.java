package io.conceptrace.core.probe;

/**
 * The activations of one layer for the examples of one concept split, as probe features (one {@code
 * float[]} per example). Either precomputed ({@link CachedActivations}: the same values every
 * epoch) or computed on request through the frozen subnetwork from freshly augmented images ({@link
 * ActivationExtractor#source}).
 */
public interface ActivationSource {
  /** The number of examples (rows). */
  int size();

  /** The number of features per example. */
  int features();

  /**
   * The activations of the given rows, each of length {@link #features()}. Callers must not modify
   * the arrays: a cached source hands out its own rows. An augmenting source returns a new random
   * view on each call.
   */
  float[][] rows(int[] rows);
}
