package io.conceptrace.core.trak;

/**
 * The estimator that turns per-example gradients into attribution scores. All share the output
 * function, the per-example gradients and the projection; they differ in what is done with the
 * projected features Φ (training) and Φ_t (targets) of each model.
 */
public enum AttributionMethod {
  /** TRAK: S = Φ (ΦᵀΦ + λI)⁻¹ Φ_tᵀ, weighted per training row by Q = 1 − σ(f) (Eq. (1)). */
  TRAK(true, true, false, true),
  /**
   * Gradient dot product on the final model (TracIn with one checkpoint): S = Φ Φ_tᵀ, the kernel
   * replaced by the identity, with the same Q weighting as TRAK (∇ loss = −Q ∇ f for the logistic
   * loss on the training side).
   */
  GRAD_DOT(false, true, false, true),
  /** Cosine of the gradients: S = Φ̂ Φ̂_tᵀ with unit-length rows, no Q (direction only). */
  GRAD_COS(false, false, true, true),
  /** The floor: seeded uniform scores in [0, 1), no gradients at all. */
  RANDOM(false, false, false, false);

  private final boolean kernel;
  private final boolean weightedByQ;
  private final boolean unitRows;
  private final boolean featurizes;

  AttributionMethod(boolean kernel, boolean weightedByQ, boolean unitRows, boolean featurizes) {
    this.kernel = kernel;
    this.weightedByQ = weightedByQ;
    this.unitRows = unitRows;
    this.featurizes = featurizes;
  }

  /** Whether the scores go through (ΦᵀΦ + λI)⁻¹. */
  public boolean usesKernel() {
    return kernel;
  }

  /** Whether each training row of the scores is multiplied by the ensemble mean of Q. */
  public boolean weightedByQ() {
    return weightedByQ;
  }

  /** Whether feature rows are normalised to unit length before the product. */
  public boolean unitRows() {
    return unitRows;
  }

  /** Whether per-example gradients are computed at all. */
  public boolean featurizes() {
    return featurizes;
  }

  /** The word used in experiment files and cell coordinates: trak, grad-dot, grad-cos, random. */
  public String word() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** The method named by {@link #word()}. */
  public static AttributionMethod ofWord(String word) {
    for (AttributionMethod m : values()) {
      if (m.word().equals(word)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown attribution method '" + word + "'; use trak, grad-dot, grad-cos or random");
  }
}
