package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording confined to the calling thread. DJL's {@code GradientCollector} for PyTorch
 * allows only one open collector per JVM (a static flag), which would serialise independent
 * training runs in one process; PyTorch's grad mode itself is thread-local, so a scope that
 * switches it on for this thread only lets several threads train at once.
 *
 * <pre>{@code
 * try (Autograd.Scope tape = Autograd.record()) {
 *   NDArray loss = ...;
 *   tape.backward(loss);
 * }
 * }</pre>
 *
 * Gradients accumulate into {@code array.getGradient()} as in PyTorch; {@link #zeroGradient} clears
 * them.
 */
public final class Autograd {
  private Autograd() {}

  /** Switches gradient recording on for this thread until the scope is closed. */
  public static Scope record() {
    return new Scope(JniUtils.isGradMode());
  }

  /** Zeroes an array's accumulated gradient (no-op if it has none yet). */
  public static void zeroGradient(NDArray array) {
    JniUtils.zeroGrad(pt(array));
  }

  private static PtNDArray pt(NDArray array) {
    if (array instanceof PtNDArray p) {
      return p;
    }
    throw new IllegalArgumentException(
        "autograd needs PyTorch arrays, got " + array.getClass().getName());
  }

  /** An open recording scope. Not shareable between threads. */
  public static final class Scope implements AutoCloseable {
    private final boolean previous;
    private final Thread owner = Thread.currentThread();

    private Scope(boolean previous) {
      this.previous = previous;
      JniUtils.setGradMode(true);
    }

    /** Back-propagates a scalar: adds d(loss)/d(a) to the gradient of every recorded leaf a. */
    public void backward(NDArray loss) {
      if (loss.getShape().size() != 1) {
        throw new IllegalArgumentException("loss must be a scalar, got " + loss.getShape());
      }
      try (NDArray seed = loss.onesLike()) {
        JniUtils.backward(pt(loss), pt(seed), false, false);
      }
    }

    @Override
    public void close() {
      if (Thread.currentThread() != owner) {
        throw new IllegalStateException("autograd scope closed on another thread");
      }
      JniUtils.setGradMode(previous);
    }
  }
}
