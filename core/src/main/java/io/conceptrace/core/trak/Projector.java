package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Maps per-example gradients [B, P] to features [B, k]. A projector is a pure function of its
 * construction arguments: the same instance (or an equal one) must be used for the training and the
 * target features of one model.
 */
public interface Projector extends AutoCloseable {
  /** P, the gradient length this projector accepts. */
  long inputDim();

  /** k, the feature length it produces. */
  int outputDim();

  /**
   * Projects a float32 [B, P] batch. The result is attached to the gradients' manager.
   *
   * @throws IllegalArgumentException if the second axis is not {@link #inputDim()}
   */
  NDArray project(NDArray gradients);

  /** Wall nanoseconds spent generating projection-matrix entries so far (0 if none are). */
  default long generationNanos() {
    return 0;
  }

  /** Wall nanoseconds spent multiplying gradients by the matrix so far. */
  default long multiplyNanos() {
    return 0;
  }

  /** Frees a cached matrix, if any. */
  @Override
  void close();

  /**
   * The projector for one model of the ensemble.
   *
   * @param kind NONE gives the identity (k = P, which must then fit an int)
   * @param seed the model's projection seed
   * @param maxBlockBytes the largest slice of the P×k matrix held at once (float32 bytes)
   * @param cacheBytes matrices up to this size are generated once and kept; larger ones are
   *     regenerated block by block on every call (the memory bound wins over speed)
   * @param manager owns the cached matrix until {@link #close()}
   */
  static Projector create(
      ProjectionKind kind,
      long seed,
      long inputDim,
      int outputDim,
      long maxBlockBytes,
      long cacheBytes,
      NDManager manager) {
    return switch (kind) {
      case NONE -> new IdentityProjector(inputDim);
      case GAUSSIAN, RADEMACHER ->
          new RandomProjector(kind, seed, inputDim, outputDim, maxBlockBytes, cacheBytes, manager);
      case SPARSE_JL -> new SparseJlProjector(seed, inputDim, outputDim, maxBlockBytes, cacheBytes);
    };
  }
}
