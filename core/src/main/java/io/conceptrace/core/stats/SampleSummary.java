package io.conceptrace.core.stats;

import java.util.Locale;

/**
 * Mean and sample standard deviation of a set of values (e.g. probe accuracies over an ensemble).
 *
 * @param n how many values
 * @param mean their mean
 * @param std sample standard deviation (n − 1 in the denominator); 0 for a single value
 */
public record SampleSummary(int n, double mean, double std) {

  public static SampleSummary of(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values to summarize");
    }
    double mean = 0;
    for (double v : values) {
      mean += v;
    }
    mean /= values.length;
    return new SampleSummary(values.length, mean, Math.sqrt(variance(values, mean)));
  }

  /** Sample variance around a given mean (two-pass, so it stays accurate for close values). */
  static double variance(double[] values, double mean) {
    if (values.length < 2) {
      return 0;
    }
    double ss = 0;
    for (double v : values) {
      ss += (v - mean) * (v - mean);
    }
    return ss / (values.length - 1);
  }

  /** e.g. {@code 0.912 ± 0.021}. */
  public String format(int decimals) {
    String f = "%." + decimals + "f ± %." + decimals + "f";
    return String.format(Locale.ROOT, f, mean, std);
  }
}
