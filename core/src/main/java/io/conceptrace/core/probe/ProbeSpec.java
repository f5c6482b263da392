package io.conceptrace.core.probe;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How to train one linear concept probe. The optimiser is Adam or SGD ({@link ProbeOptimizer});
 * weight decay is the coupled L2 term that {@code torch.optim.Adam} and {@code torch.optim.SGD} add
 * to the gradient, applied to the weights and not to the bias.
 *
 * @param epochs passes over the concept training split (the paper: 20 for snakes, 50 for high-low)
 * @param learningRate the optimiser's step size
 * @param batchSize examples per step; the last batch of an epoch may be smaller
 * @param weightDecay L2 coefficient on the weights, {@code >= 0}
 * @param sparsity empty for a dense probe; {@code k} for a probe with at most k non-zero weights,
 *     trained by iterative hard thresholding (paper §4.2)
 * @param seed seeds the initial weights and the batch order
 * @param pooling how layer outputs become features (recorded here so that a probe says what it was
 *     trained on; the activation source applies it)
 * @param optimizer the update rule
 */
public record ProbeSpec(
    int epochs,
    double learningRate,
    int batchSize,
    double weightDecay,
    OptionalInt sparsity,
    long seed,
    Pooling pooling,
    ProbeOptimizer optimizer) {

  public ProbeSpec {
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(sparsity, "sparsity");
    Objects.requireNonNull(pooling, "pooling");
    if (epochs < 1) {
      throw new IllegalArgumentException("probe epochs must be >= 1, got " + epochs);
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("probe learning rate must be > 0, got " + learningRate);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("probe batch size must be >= 1, got " + batchSize);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("probe weight decay must be >= 0, got " + weightDecay);
    }
    if (sparsity.isPresent() && sparsity.getAsInt() < 1) {
      throw new IllegalArgumentException(
          "probe sparsity k must be >= 1, got " + sparsity.getAsInt());
    }
    if (sparsity.isPresent()) {
      sparseEpochsProblem(epochs)
          .ifPresent(
              m -> {
                throw new IllegalArgumentException(m);
              });
    }
  }

  /** Fewest epochs a sparse probe trains: the first half dense, the second half thresholded. */
  public static final int MIN_SPARSE_EPOCHS = 2;

  /**
   * Why a sparse probe cannot train for {@code epochs} epochs, or empty when it can. The experiment
   * language calls this same predicate, so a file is rejected by {@code ctrace validate} exactly
   * when this constructor would reject it after the base models trained.
   */
  public static Optional<String> sparseEpochsProblem(int epochs) {
    return epochs >= MIN_SPARSE_EPOCHS
        ? Optional.empty()
        : Optional.of(
            "a sparse probe needs >= "
                + MIN_SPARSE_EPOCHS
                + " epochs (half dense, half sparse), got "
                + epochs);
  }

  /** A probe trained with Adam. */
  public ProbeSpec(
      int epochs,
      double learningRate,
      int batchSize,
      double weightDecay,
      OptionalInt sparsity,
      long seed,
      Pooling pooling) {
    this(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, ProbeOptimizer.ADAM);
  }

  /** A dense probe: 20 epochs, learning rate 1e-3, batch 64, no weight decay, flat features. */
  public static ProbeSpec defaults() {
    return new ProbeSpec(20, 1e-3, 64, 0, OptionalInt.empty(), 0, Pooling.FLAT);
  }

  /**
   * Why a k-sparse probe cannot be trained on a layer of {@code features} features, if it cannot:
   * iterative hard thresholding needs {@code k} below the width (k = width would be a dense probe
   * that claims to be sparse). The trainer and {@code ctrace validate} both ask this.
   */
  public static Optional<String> sparsityProblem(int k, long features, String layer) {
    if (k >= features) {
      return Optional.of(
          "probe sparsity k="
              + k
              + " is not below the "
              + features
              + " features of layer "
              + layer
              + " (use a dense probe or a smaller k)");
    }
    return Optional.empty();
  }

  public boolean isSparse() {
    return sparsity.isPresent();
  }

  /** The epochs trained densely before thresholding: the first half (all of them if dense). */
  public int denseEpochs() {
    return isSparse() ? epochs / 2 : epochs;
  }

  public ProbeSpec withEpochs(int epochs) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }

  public ProbeSpec withLearningRate(double lr) {
    return new ProbeSpec(epochs, lr, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }

  public ProbeSpec withBatchSize(int batchSize) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }

  public ProbeSpec withWeightDecay(double wd) {
    return new ProbeSpec(epochs, learningRate, batchSize, wd, sparsity, seed, pooling, optimizer);
  }

  /** The same spec with at most {@code k} non-zero weights. */
  public ProbeSpec withSparsity(int k) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, OptionalInt.of(k), seed, pooling, optimizer);
  }

  public ProbeSpec dense() {
    return new ProbeSpec(
        epochs,
        learningRate,
        batchSize,
        weightDecay,
        OptionalInt.empty(),
        seed,
        pooling,
        optimizer);
  }

  public ProbeSpec withSeed(long seed) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }

  public ProbeSpec withOptimizer(ProbeOptimizer optimizer) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }

  public ProbeSpec withPooling(Pooling pooling) {
    return new ProbeSpec(
        epochs, learningRate, batchSize, weightDecay, sparsity, seed, pooling, optimizer);
  }
}
