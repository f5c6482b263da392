package io.conceptrace.core.nn;

import java.util.Arrays;

/**
 * A named module of a network and the shape of its output for one example.
 *
 * @param name torchvision-style module name, e.g. {@code layer3} or {@code layer1.0.conv2}
 * @param shape output shape without the batch axis, e.g. {@code [256, 8, 8]}
 */
public record LayerInfo(String name, int[] shape) {
  public LayerInfo {
    shape = shape.clone();
  }

  /** Number of activations when the output is flattened (the probe's input width). */
  public long flatSize() {
    long n = 1;
    for (int s : shape) {
      n *= s;
    }
    return n;
  }

  /** Channels (the first axis), the input width of a globally pooled probe. */
  public int channels() {
    return shape[0];
  }

  @Override
  public int[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LayerInfo l && l.name.equals(name) && Arrays.equals(l.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape);
  }
}
