package io.conceptrace.core.trak;

import io.conceptrace.core.probe.LinearProbe;
import io.conceptrace.core.probe.Pooling;

/**
 * g_m: the trained affine probe, s(a) = w·a + b, on the probed layer's output a.
 *
 * @param weights w (the concept activation vector), length = flattened (or pooled) layer width
 * @param bias b
 * @param pooled true: the probe reads the channel means (global average pooling) of a [C, H, W]
 *     output; false: the flattened output, as in the paper
 */
public record ProbeHead(float[] weights, float bias, boolean pooled) {
  public ProbeHead {
    if (weights.length == 0) {
      throw new IllegalArgumentException("probe has no weights");
    }
    weights = weights.clone();
  }

  @Override
  public float[] weights() {
    return weights.clone();
  }

  /** The head of a probe trained by the probe stage. */
  public static ProbeHead of(LinearProbe probe, Pooling pooling) {
    return new ProbeHead(probe.cav(), probe.bias(), pooling == Pooling.AVG);
  }

  public int width() {
    return weights.length;
  }
}
