package io.conceptrace.core.nn;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One array of a network: its name, shape, initialisation and whether it is a buffer (batch-norm
 * running statistics) rather than a trainable parameter.
 */
record ParamDecl(String name, long[] shape, Init init, long fanIn, boolean buffer) {
  /** How {@code Network.create} fills the array, as torchvision initialises ResNets. */
  enum Init {
    /** Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / (out · k · k)). */
    CONV,
    ONES,
    ZEROS,
    /** torch.nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
    FC
  }

  ParamDecl {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  long size() {
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    return n;
  }

  /** The initial values, drawn from {@code random} in row-major order. */
  float[] init(SplittableRandom random) {
    int n = Math.toIntExact(size());
    float[] v = new float[n];
    switch (init) {
      case CONV -> {
        double fanOut = (double) shape[0] * shape[2] * shape[3];
        double std = Math.sqrt(2.0 / fanOut);
        for (int i = 0; i < n; i++) {
          v[i] = (float) (random.nextGaussian() * std);
        }
      }
      case ONES -> Arrays.fill(v, 1f);
      case ZEROS -> {}
      case FC -> {
        double bound = 1.0 / Math.sqrt(fanIn);
        for (int i = 0; i < n; i++) {
          v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
      }
    }
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamDecl d
        && d.name.equals(name)
        && Arrays.equals(d.shape, shape)
        && d.init == init
        && d.fanIn == fanIn
        && d.buffer == buffer;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + (buffer ? " buffer" : "");
  }
}
