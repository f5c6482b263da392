package io.conceptrace.core.stats;

/**
 * Welch's two-sample t-test: are two means equal, without assuming equal variances. Used to compare
 * a prune arm's probe accuracies with the unpruned baseline's.
 */
public final class WelchTest {
  private WelchTest() {}

  /** Two-sided test; each sample needs at least two values. */
  public static TestResult test(double[] a, double[] b) {
    if (a.length < 2 || b.length < 2) {
      throw new IllegalArgumentException(
          "Welch's t-test needs at least two values per sample, got "
              + a.length
              + " and "
              + b.length);
    }
    SampleSummary sa = SampleSummary.of(a);
    SampleSummary sb = SampleSummary.of(b);
    double diff = sa.mean() - sb.mean();
    double va = sa.std() * sa.std() / a.length;
    double vb = sb.std() * sb.std() / b.length;
    double se2 = va + vb;
    if (se2 == 0) {
      // Both samples are constant: the means are either equal (no evidence) or surely differ.
      double t = diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
      return new TestResult(diff, t, a.length + b.length - 2, diff == 0 ? 1 : 0);
    }
    double t = diff / Math.sqrt(se2);
    double df = se2 * se2 / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
    return new TestResult(diff, t, df, StudentT.twoSidedP(t, df));
  }
}
