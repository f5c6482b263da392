package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a Java scalar whose operand tensor lives in libtorch's own memory.
 *
 * <p>Why this exists: DJL's {@code NDArray.mul(Number)}, {@code div(Number)}, {@code
 * maximum(Number)} and the like wrap the scalar in a tensor created with {@code torch::from_blob}
 * over a Java direct {@code ByteBuffer}, run the op, then close that tensor. When autograd records
 * the op, it saves the scalar tensor for the backward pass (d(x·c)/dx = c, d max(x, c)/dx = [x >
 * c]); the saved tensor still points at the buffer, but once DJL's wrapper is closed nothing on the
 * Java side keeps the buffer alive, so the garbage collector may free it and malloc may reuse it
 * before backward reads it. The result was gradients that were right on a quiet machine and
 * silently wrong when a collection happened to run between forward and backward: base models of the
 * same seed differed under load, and the per-example gradient oracle was wrong in a few of
 * thousands of repetitions (docs/execution.md, "Determinism"). A tensor copied by {@code
 * NDArray.toType(type, true)} is allocated and reference-counted by libtorch, so autograd's saved
 * copy keeps it alive for as long as it is needed.
 *
 * <p>{@code ScalarOperandRuleTest} fails the build if core calls one of DJL's operand-saving {@code
 * Number} overloads directly.
 */
public final class Scalars {
  private Scalars() {}

  /** x · c. */
  public static NDArray mul(NDArray x, double c) {
    try (NDArray s = scalarLike(x, c)) {
      return x.mul(s);
    }
  }

  /** x / c. */
  public static NDArray div(NDArray x, double c) {
    try (NDArray s = scalarLike(x, c)) {
      return x.div(s);
    }
  }

  /** max(x, c), element-wise. */
  public static NDArray maximum(NDArray x, double c) {
    try (NDArray s = scalarLike(x, c)) {
      return x.maximum(s);
    }
  }

  /** x ·= c, in place. */
  public static NDArray muli(NDArray x, double c) {
    try (NDArray s = scalarLike(x, c)) {
      return x.muli(s);
    }
  }

  /**
   * A 0-dimensional tensor of x's type in x's manager, in memory libtorch owns: the Java-backed
   * float64 wrapper is copied by a converting {@code toType} and closed at once.
   */
  private static NDArray scalarLike(NDArray x, double c) {
    try (NDArray hostBacked = x.getManager().create(c)) {
      return hostBacked.toType(x.getDataType(), true);
    }
  }
}
