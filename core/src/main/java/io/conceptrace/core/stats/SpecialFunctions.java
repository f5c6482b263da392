package io.conceptrace.core.stats;

/**
 * The special functions the tests' p-values need: log-gamma and the regularized incomplete beta.
 */
public final class SpecialFunctions {
  // Lanczos approximation with g = 7 and nine coefficients (about 15 significant digits).
  private static final double LANCZOS_G = 7.0;
  private static final double[] LANCZOS = {
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7
  };
  private static final double EPSILON = 1e-15;
  private static final double TINY = 1e-300;
  private static final int MAX_ITERATIONS = 10_000;

  private SpecialFunctions() {}

  /** ln Γ(x) for x > 0. */
  public static double logGamma(double x) {
    if (!(x > 0)) {
      throw new IllegalArgumentException("logGamma needs x > 0, got " + x);
    }
    if (x < 0.5) {
      // Reflection: Γ(x) Γ(1 - x) = π / sin(πx) keeps the series in its accurate range.
      return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
    }
    double z = x - 1;
    double sum = LANCZOS[0];
    for (int i = 1; i < LANCZOS.length; i++) {
      sum += LANCZOS[i] / (z + i);
    }
    double t = z + LANCZOS_G + 0.5;
    return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
  }

  /** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
  public static double logBeta(double a, double b) {
    return logGamma(a) + logGamma(b) - logGamma(a + b);
  }

  /**
   * The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1, from its
   * continued fraction (evaluated with the modified Lentz method), using I_x(a, b) = 1 − I_{1−x}(b,
   * a) where the fraction converges faster.
   */
  public static double regularizedBeta(double x, double a, double b) {
    if (!(a > 0) || !(b > 0)) {
      throw new IllegalArgumentException("regularizedBeta needs a, b > 0, got " + a + ", " + b);
    }
    if (!(x >= 0 && x <= 1)) {
      throw new IllegalArgumentException("regularizedBeta needs 0 <= x <= 1, got " + x);
    }
    if (x == 0 || x == 1) {
      return x;
    }
    if (x > (a + 1) / (a + b + 2)) {
      return 1 - regularizedBeta(1 - x, b, a);
    }
    double front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b)) / a;
    return front * betaContinuedFraction(x, a, b);
  }

  /**
   * 1 / (1 + d1 / (1 + d2 / (1 + ...))) with d(2m+1) = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and d(2m)
   * = m(b−m)x / ((a+2m−1)(a+2m)).
   */
  private static double betaContinuedFraction(double x, double a, double b) {
    double c = 1;
    double d = nonZero(1 - (a + b) * x / (a + 1));
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= MAX_ITERATIONS; m++) {
      double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
      d = 1 / nonZero(1 + even * d);
      c = nonZero(1 + even / c);
      h *= d * c;
      double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 / nonZero(1 + odd * d);
      c = nonZero(1 + odd / c);
      double step = d * c;
      h *= step;
      if (Math.abs(step - 1) < EPSILON) {
        return h;
      }
    }
    throw new ArithmeticException(
        "incomplete beta did not converge for x=" + x + ", a=" + a + ", b=" + b);
  }

  private static double nonZero(double v) {
    return Math.abs(v) < TINY ? TINY : v;
  }
}
