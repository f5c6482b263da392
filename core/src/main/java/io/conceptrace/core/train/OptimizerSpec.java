package io.conceptrace.core.train;

/**
 * How parameters are updated, with PyTorch's semantics (so recipes carry over unchanged).
 *
 * @param kind SGD or Adam
 * @param learningRate the base rate (the schedule multiplies it)
 * @param momentum SGD momentum (0 = none)
 * @param nesterov Nesterov momentum (SGD)
 * @param weightDecay L2 penalty added to the gradient (PyTorch's {@code weight_decay})
 * @param decayBatchNorm also decay batch-norm weights/biases (FFCV's ResNet recipes do not)
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param epsilon Adam's denominator floor
 */
public record OptimizerSpec(
    Kind kind,
    double learningRate,
    double momentum,
    boolean nesterov,
    double weightDecay,
    boolean decayBatchNorm,
    double beta1,
    double beta2,
    double epsilon) {

  /** The update rule. */
  public enum Kind {
    SGD,
    ADAM
  }

  public OptimizerSpec {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && epsilon > 0)) {
      throw new IllegalArgumentException("Adam needs betas in [0, 1) and epsilon > 0");
    }
  }

  public static OptimizerSpec sgd(
      double learningRate, double momentum, boolean nesterov, double weightDecay) {
    return new OptimizerSpec(
        Kind.SGD, learningRate, momentum, nesterov, weightDecay, false, 0.9, 0.999, 1e-8);
  }

  public static OptimizerSpec adam(double learningRate, double weightDecay) {
    return new OptimizerSpec(
        Kind.ADAM, learningRate, 0, false, weightDecay, false, 0.9, 0.999, 1e-8);
  }
}
