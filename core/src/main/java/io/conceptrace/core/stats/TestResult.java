package io.conceptrace.core.stats;

/**
 * The result of a two-sample test of "same mean".
 *
 * @param meanDifference mean of the first sample minus mean of the second
 * @param statistic the test statistic (Welch's t; for a permutation test the mean difference)
 * @param degreesOfFreedom Welch–Satterthwaite degrees of freedom; NaN where not applicable
 * @param pValue the two-sided p-value
 */
public record TestResult(
    double meanDifference, double statistic, double degreesOfFreedom, double pValue) {}
