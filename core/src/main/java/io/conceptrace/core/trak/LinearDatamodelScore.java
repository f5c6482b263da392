package io.conceptrace.core.trak;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The linear datamodeling score (LDS) of an attribution, as defined with TRAK (Park et al. 2023,
 * §2.2): models are trained on random α-subsets S_j of the training set; for each target t the
 * measured outputs f_t(S_j) are compared, across the subsets, with the attribution's prediction
 * Σ_{i∈S_j} τ(t, i) by Spearman's ρ; the LDS is the mean ρ over the targets. 1: the scores rank the
 * subsets as training does; 0: no better than chance.
 *
 * <p>The confidence interval resamples the targets (the subsets stay fixed): the 2.5 % and 97.5 %
 * percentiles of the mean ρ over {@value #BOOTSTRAP_SAMPLES} seeded bootstrap samples. It says how
 * much the figure depends on which targets were drawn, not how it would change with other subsets.
 *
 * @param lds mean over targets of ρ(measured, predicted) across subsets
 * @param ciLow lower end of the bootstrap 95 % interval over targets
 * @param ciHigh upper end
 * @param subsets the number of subsets (models) the correlations run over
 * @param targets the number of targets averaged
 * @param perTarget ρ for each target
 */
public record LinearDatamodelScore(
    double lds, double ciLow, double ciHigh, int subsets, int targets, double[] perTarget) {

  public static final int BOOTSTRAP_SAMPLES = 1000;

  public LinearDatamodelScore {
    perTarget = perTarget.clone();
  }

  @Override
  public double[] perTarget() {
    return perTarget.clone();
  }

  /**
   * @param included which training images each subset's model was trained on, [subsets][n]
   * @param measured each subset model's output on each target, [subsets][targets]
   * @param tau the attribution scores, [targets][n]
   * @param bootstrapSeed seeds the resampling of the targets for the interval
   */
  public static LinearDatamodelScore of(
      boolean[][] included, double[][] measured, double[][] tau, long bootstrapSeed) {
    int subsets = included.length;
    if (subsets < 2 || measured.length != subsets) {
      throw new IllegalArgumentException(
          "LDS needs at least 2 subsets with one row of margins each, got "
              + subsets
              + " masks and "
              + measured.length
              + " margin rows");
    }
    int targets = tau.length;
    if (targets == 0) {
      throw new IllegalArgumentException("LDS needs at least one target");
    }
    int n = included[0].length;
    for (int j = 0; j < subsets; j++) {
      if (included[j].length != n || measured[j].length != targets) {
        throw new IllegalArgumentException(
            "subset " + j + ": mask or margins of the wrong length (n = " + n + ")");
      }
    }
    double[] rho = new double[targets];
    double[] predicted = new double[subsets];
    double[] observed = new double[subsets];
    for (int t = 0; t < targets; t++) {
      if (tau[t].length != n) {
        throw new IllegalArgumentException(
            "target " + t + ": " + tau[t].length + " scores for " + n + " training images");
      }
      for (int j = 0; j < subsets; j++) {
        predicted[j] = predict(included[j], tau[t]);
        observed[j] = measured[j][t];
      }
      rho[t] = RankCorrelation.spearman(observed, predicted);
    }
    double mean = mean(rho);
    double[] boot = new double[BOOTSTRAP_SAMPLES];
    SplittableRandom rng = new SplittableRandom(bootstrapSeed);
    for (int b = 0; b < BOOTSTRAP_SAMPLES; b++) {
      double s = 0;
      for (int t = 0; t < targets; t++) {
        s += rho[rng.nextInt(targets)];
      }
      boot[b] = s / targets;
    }
    Arrays.sort(boot);
    return new LinearDatamodelScore(
        mean, percentile(boot, 0.025), percentile(boot, 0.975), subsets, targets, rho);
  }

  /** The attribution's prediction for one subset: the sum of τ over its images. */
  static double predict(boolean[] included, double[] tau) {
    double s = 0;
    for (int i = 0; i < tau.length; i++) {
      if (included[i]) {
        s += tau[i];
      }
    }
    return s;
  }

  /**
   * Which of n training images subset {@code index} holds: exactly round(α·n) of them, drawn
   * without replacement by a generator seeded from ({@code seed}, {@code index}) alone, so that any
   * process draws the same subset and subsets with other indices are independent.
   */
  public static boolean[] subset(int n, double fraction, long seed, int index) {
    int size = subsetSize(n, fraction);
    // One generator per index: no subset's draw depends on how many others were drawn before it.
    SplittableRandom own = new SplittableRandom(mix(seed, index));
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    boolean[] out = new boolean[n];
    for (int i = 0; i < size; i++) {
      int j = i + own.nextInt(n - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
      out[order[i]] = true;
    }
    return out;
  }

  /** round(α·n), and at least 1 and at most n − 1 so that every subset is a proper subset. */
  public static int subsetSize(int n, double fraction) {
    if (!(fraction > 0 && fraction < 1) || n < 2) {
      throw new IllegalArgumentException(
          "a subset needs 0 < fraction < 1 and n >= 2, got " + fraction + " of " + n);
    }
    return (int) Math.max(1, Math.min(n - 1, Math.round(fraction * n)));
  }

  private static long mix(long seed, int index) {
    // SplitMix64's finalizer over the pair: neighbouring indices get unrelated streams.
    long z = seed * 0x9E3779B97F4A7C15L + (index + 1L) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /** Linear interpolation between the order statistics of a sorted sample. */
  private static double percentile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
