package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;

/**
 * Projection disabled: the features are the gradients themselves, unscaled — the norm a {@link
 * RandomProjector} preserves in expectation, so that both kinds give features of the same scale.
 */
final class IdentityProjector implements Projector {
  private final long dim;

  IdentityProjector(long dim) {
    if (dim > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "projection 'none' needs P <= 2^31-1 parameters, got " + dim + "; use a projection");
    }
    this.dim = dim;
  }

  @Override
  public long inputDim() {
    return dim;
  }

  @Override
  public int outputDim() {
    return (int) dim;
  }

  @Override
  public NDArray project(NDArray gradients) {
    if (gradients.getShape().get(1) != dim) {
      throw new IllegalArgumentException(
          "gradients have " + gradients.getShape().get(1) + " columns, expected " + dim);
    }
    return gradients.duplicate();
  }

  @Override
  public void close() {}
}
