package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;

/**
 * The few stateless operations the networks are made of, over DJL arrays. Every operation that
 * takes a weight also accepts a <em>per-example</em> weight, recognised by one extra leading axis
 * whose size is the batch size: the operation then applies example i's weight to example i only, so
 * that gradients with respect to such a weight are per-example gradients (the "expanded weights"
 * trick).
 */
public final class FunctionalOps {
  /** Batch-norm epsilon, as torchvision. */
  public static final float BN_EPS = 1e-5f;

  /** Running-statistics momentum in PyTorch's convention (new = (1-m)·old + m·batch). */
  public static final float BN_MOMENTUM = 0.1f;

  private FunctionalOps() {}

  /**
   * 2-D convolution without bias, square kernel taken from the weight.
   *
   * @param x input [B, C, H, W]
   * @param weight [O, C, k, k], or per-example [B, O, C, k, k] (computed as one grouped convolution
   *     with groups = B)
   */
  public static NDArray conv2d(NDArray x, NDArray weight, int stride, int padding) {
    Shape s = new Shape(stride, stride);
    Shape p = new Shape(padding, padding);
    Shape d = new Shape(1, 1);
    if (weight.getShape().dimension() == 4) {
      return Conv2d.conv2d(x, weight, null, s, p, d, 1).singletonOrThrow();
    }
    Shape xs = x.getShape();
    Shape ws = weight.getShape();
    if (ws.dimension() != 5) {
      throw new IllegalArgumentException("conv weight must be 4-D or 5-D, got " + ws);
    }
    long b = xs.get(0);
    requireBatch(ws, b, "conv weight");
    long o = ws.get(1);
    NDArray grouped = x.reshape(1, b * xs.get(1), xs.get(2), xs.get(3));
    NDArray w = local(weight.reshape(b * o, ws.get(2), ws.get(3), ws.get(4)), x);
    NDArray y = Conv2d.conv2d(grouped, w, null, s, p, d, (int) b).singletonOrThrow();
    Shape ys = y.getShape();
    return y.reshape(b, o, ys.get(2), ys.get(3));
  }

  /**
   * Batch normalisation over axis 1 of a [B, C, H, W] array. In {@link Mode#TRAIN} it normalises
   * with the batch statistics and updates {@code runningMean}/{@code runningVar} in place (momentum
   * {@value #BN_MOMENTUM}, unbiased variance, as PyTorch); in {@link Mode#EVAL} it uses the running
   * statistics.
   *
   * @param gamma scale [C] or per-example [B, C]
   * @param beta shift [C] or per-example [B, C]
   */
  public static NDArray batchNorm(
      NDArray x, NDArray gamma, NDArray beta, NDArray runningMean, NDArray runningVar, Mode mode) {
    boolean training = mode == Mode.TRAIN;
    // DJL's momentum is the weight of the old running value: 1 - PyTorch's.
    float djlMomentum = 1f - BN_MOMENTUM;
    boolean perExample = gamma.getShape().dimension() == 2 || beta.getShape().dimension() == 2;
    if (!perExample) {
      return BatchNorm.batchNorm(
              x, runningMean, runningVar, gamma, beta, 1, djlMomentum, BN_EPS, training)
          .singletonOrThrow();
    }
    long b = x.getShape().get(0);
    long c = x.getShape().get(1);
    // Normalise without affine (same statistics and running-stat update as the shared case),
    // then apply each example's own scale and shift by broadcasting.
    NDArray ones = x.getManager().ones(new Shape(c), x.getDataType());
    NDArray zeros = x.getManager().zeros(new Shape(c), x.getDataType());
    NDArray normalised =
        BatchNorm.batchNorm(
                x, runningMean, runningVar, ones, zeros, 1, djlMomentum, BN_EPS, training)
            .singletonOrThrow();
    return normalised.mul(affine(gamma, b, c, x)).add(affine(beta, b, c, x));
  }

  private static NDArray affine(NDArray p, long b, long c, NDArray x) {
    if (p.getShape().dimension() == 1) {
      return local(p.reshape(1, c, 1, 1), x);
    }
    requireBatch(p.getShape(), b, "batch-norm parameter");
    return local(p.reshape(b, c, 1, 1), x);
  }

  /**
   * DJL attaches a result to the manager of the array an operation was called on; results derived
   * from a parameter would otherwise pile up in the parameter's long-lived manager. This moves such
   * a temporary to the input's manager, which the caller scopes per batch.
   */
  private static NDArray local(NDArray derived, NDArray x) {
    if (derived.getManager() != x.getManager()) {
      derived.attach(x.getManager());
    }
    return derived;
  }

  /**
   * PyTorch's relu (one fused op whose backward is a single threshold pass, gradient 0 at exactly
   * 0), not {@code maximum(x, 0)}: that one splits the gradient 0.5/0.5 at ties and costs several
   * element-wise passes in the backward.
   */
  public static NDArray relu(NDArray x) {
    return Activation.relu(x);
  }

  /** torchvision's stem max-pool: 3×3, stride 2, padding 1. */
  public static NDArray maxPool3x3s2(NDArray x) {
    return Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
  }

  /** Global average pool [B, C, H, W] → [B, C] (torchvision's avgpool followed by flatten). */
  public static NDArray globalAvgPool(NDArray x) {
    Shape s = x.getShape();
    // One reduction over the flattened spatial axes (PyTorch's DJL mean takes one axis only).
    return x.reshape(s.get(0), s.get(1), -1).mean(new int[] {2});
  }

  /**
   * Fully connected layer y = x·Wᵀ + b.
   *
   * @param x [B, I]
   * @param weight [O, I] or per-example [B, O, I]
   * @param bias [O] or per-example [B, O]
   */
  public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
    long b = x.getShape().get(0);
    NDArray y;
    if (weight.getShape().dimension() == 2) {
      y = Linear.linear(x, weight).singletonOrThrow();
    } else {
      requireBatch(weight.getShape(), b, "fc weight");
      long o = weight.getShape().get(1);
      y = local(weight.batchMatMul(x.reshape(b, x.getShape().get(1), 1)), x).reshape(b, o);
    }
    if (bias.getShape().dimension() == 2) {
      requireBatch(bias.getShape(), b, "fc bias");
    }
    return y.add(bias);
  }

  private static void requireBatch(Shape shape, long batch, String what) {
    if (shape.get(0) != batch) {
      throw new IllegalArgumentException(
          "per-example " + what + " " + shape + " has leading axis != batch size " + batch);
    }
  }
}
