package io.conceptrace.core.nn;

/** How batch normalisation behaves in a forward pass. */
public enum Mode {
  /** Batch statistics; running statistics are updated (momentum 0.1, as torchvision). */
  TRAIN,
  /** Running statistics; nothing is updated. Every stage after base training uses this. */
  EVAL
}
