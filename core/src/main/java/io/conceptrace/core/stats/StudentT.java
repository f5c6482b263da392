package io.conceptrace.core.stats;

/** Student's t distribution with ν degrees of freedom (ν > 0, not necessarily whole). */
public final class StudentT {
  private StudentT() {}

  /** P(T ≤ t). */
  public static double cdf(double t, double degreesOfFreedom) {
    if (!(degreesOfFreedom > 0)) {
      throw new IllegalArgumentException("degrees of freedom must be > 0, got " + degreesOfFreedom);
    }
    if (Double.isNaN(t)) {
      return Double.NaN;
    }
    if (Double.isInfinite(t)) {
      return t > 0 ? 1 : 0;
    }
    double tail = 0.5 * twoSidedTail(t, degreesOfFreedom);
    return t > 0 ? 1 - tail : tail;
  }

  /** P(|T| ≥ |t|), the two-sided p-value of an observed t. */
  public static double twoSidedP(double t, double degreesOfFreedom) {
    if (Double.isInfinite(t)) {
      return 0;
    }
    return twoSidedTail(t, degreesOfFreedom);
  }

  // P(|T| >= |t|) = I_x(ν/2, 1/2) with x = ν / (ν + t²).
  private static double twoSidedTail(double t, double v) {
    return SpecialFunctions.regularizedBeta(v / (v + t * t), v / 2, 0.5);
  }
}
