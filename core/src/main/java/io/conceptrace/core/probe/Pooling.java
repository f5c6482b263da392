package io.conceptrace.core.probe;

/** How a layer's [C, H, W] output becomes the probe's feature vector. */
public enum Pooling {
  /** All C·H·W values, in C-major order (the paper's choice: the full layer output). */
  FLAT,
  /** The mean over the spatial positions: C values (much smaller; loses where a feature fires). */
  AVG
}
