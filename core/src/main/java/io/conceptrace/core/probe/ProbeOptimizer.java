package io.conceptrace.core.probe;

import java.util.Optional;

/**
 * The update rule of a probe. Adam as {@code torch.optim.Adam} (β1 = 0.9, β2 = 0.999, ε = 1e-8);
 * SGD as {@code torch.optim.SGD} with {@code momentum} (no dampening; the first step's buffer is
 * the gradient) and optionally Nesterov's variant ({@code g + momentum·buffer}).
 *
 * @param momentum SGD only, in [0, 1)
 * @param nesterov SGD only; needs momentum > 0 (as torch requires)
 */
public record ProbeOptimizer(Kind kind, double momentum, boolean nesterov) {
  public enum Kind {
    SGD,
    ADAM
  }

  public static final ProbeOptimizer ADAM = new ProbeOptimizer(Kind.ADAM, 0, false);

  public ProbeOptimizer {
    if (kind == null) {
      throw new IllegalArgumentException("probe optimizer kind must be given");
    }
    if (kind == Kind.ADAM) {
      // Adam reads neither: two Adam probes must not differ by an unused value.
      momentum = 0;
      nesterov = false;
    }
    Optional<String> problem = problem(momentum, nesterov);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }

  /**
   * Why SGD cannot run with these settings, if it cannot (the same rule as {@code torch.optim.SGD},
   * and the base trainer's {@code OptimizerSpec}); {@code ctrace validate} asks it too.
   */
  public static Optional<String> problem(double momentum, boolean nesterov) {
    if (!(momentum >= 0 && momentum < 1)) {
      return Optional.of("momentum must be in [0, 1), got " + momentum);
    }
    if (nesterov && momentum == 0) {
      return Optional.of("Nesterov momentum needs momentum > 0");
    }
    return Optional.empty();
  }

  public static ProbeOptimizer sgd(double momentum, boolean nesterov) {
    return new ProbeOptimizer(Kind.SGD, momentum, nesterov);
  }
}
