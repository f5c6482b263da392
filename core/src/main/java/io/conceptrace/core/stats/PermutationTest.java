package io.conceptrace.core.stats;

import java.util.SplittableRandom;

/**
 * Two-sided permutation test of the difference in means: how often does a random relabelling of the
 * pooled values give a difference at least as large as the observed one? Exact (every relabelling)
 * when there are at most {@code permutations} of them, otherwise a seeded Monte Carlo estimate
 * (counting the observed labelling, so p is never 0).
 */
public final class PermutationTest {
  // Differences that agree to this relative precision count as equal (summation order differs).
  private static final double TOLERANCE = 1e-12;

  private PermutationTest() {}

  public static TestResult test(double[] a, double[] b, int permutations, long seed) {
    if (a.length == 0 || b.length == 0) {
      throw new IllegalArgumentException("both samples need at least one value");
    }
    if (permutations < 1) {
      throw new IllegalArgumentException("permutations must be >= 1, got " + permutations);
    }
    double[] pooled = new double[a.length + b.length];
    System.arraycopy(a, 0, pooled, 0, a.length);
    System.arraycopy(b, 0, pooled, a.length, b.length);
    double total = 0;
    for (double v : pooled) {
      total += v;
    }
    double observed = meanDifference(sum(a), a.length, total, pooled.length);
    double threshold = Math.abs(observed) * (1 - TOLERANCE) - TOLERANCE;
    double p;
    if (binomial(pooled.length, a.length) <= permutations) {
      long[] counts = new long[2]; // {as extreme, all}
      enumerate(pooled, a.length, 0, 0, 0.0, total, threshold, counts);
      p = (double) counts[0] / counts[1];
    } else {
      SplittableRandom rng = new SplittableRandom(seed);
      double[] work = pooled.clone();
      long extreme = 0;
      for (int i = 0; i < permutations; i++) {
        // Partial Fisher–Yates: the first a.length slots become a uniformly random first group.
        double s = 0;
        for (int j = 0; j < a.length; j++) {
          int k = j + rng.nextInt(work.length - j);
          double tmp = work[j];
          work[j] = work[k];
          work[k] = tmp;
          s += work[j];
        }
        if (Math.abs(meanDifference(s, a.length, total, work.length)) >= threshold) {
          extreme++;
        }
      }
      p = (extreme + 1.0) / (permutations + 1.0);
    }
    return new TestResult(observed, observed, Double.NaN, p);
  }

  private static void enumerate(
      double[] pooled,
      int k,
      int from,
      int chosen,
      double chosenSum,
      double total,
      double threshold,
      long[] counts) {
    if (chosen == k) {
      counts[1]++;
      if (Math.abs(meanDifference(chosenSum, k, total, pooled.length)) >= threshold) {
        counts[0]++;
      }
      return;
    }
    for (int i = from; i <= pooled.length - (k - chosen); i++) {
      enumerate(pooled, k, i + 1, chosen + 1, chosenSum + pooled[i], total, threshold, counts);
    }
  }

  private static double meanDifference(double sumA, int nA, double total, int n) {
    return sumA / nA - (total - sumA) / (n - nA);
  }

  private static double sum(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s;
  }

  /** C(n, k), saturating at Long.MAX_VALUE. */
  static long binomial(int n, int k) {
    long r = 1;
    for (int i = 1; i <= Math.min(k, n - k); i++) {
      if (r > Long.MAX_VALUE / (n - i + 1)) {
        return Long.MAX_VALUE;
      }
      r = r * (n - i + 1) / i;
    }
    return r;
  }
}
