package io.conceptrace.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reference values were computed once with SciPy 1.17.1 (Python 3.11): {@code
 * scipy.special.gammaln}, {@code scipy.special.betainc(a, b, x)}, {@code scipy.stats.t.cdf(t, df)},
 * {@code scipy.stats.ttest_ind(a, b, equal_var=False)} and {@code scipy.stats.permutation_test((a,
 * b), lambda x, y, axis: abs(x.mean(axis) - y.mean(axis)), permutation_type='independent',
 * alternative='greater', n_resamples=np.inf)} (the |difference| form of the two-sided test; SciPy's
 * own 'two-sided' doubles the smaller one-sided p instead).
 */
class StatsTest {

  @ParameterizedTest
  @CsvSource({
    "0.5, 0.5723649429247",
    "1, 0.0",
    "3.7, 1.428072326665388",
    "10, 12.801827480081469",
    "171.5, 709.1431630309283",
    "0.001, 6.907178885383853"
  })
  void logGammaMatchesScipy(double x, double expected) {
    assertThat(SpecialFunctions.logGamma(x)).isCloseTo(expected, within(1e-12 * (1 + expected)));
  }

  @ParameterizedTest
  @CsvSource({
    "0.5, 0.5, 0.3, 0.36901011956554536",
    "2, 3, 0.4, 0.5247999999999999",
    "10, 1.5, 0.9, 0.5401970065018546",
    "1, 1, 0.25, 0.25",
    "30, 40, 0.45, 0.6447480085585666",
    "0.1, 5, 0.01, 0.7690889207843462"
  })
  void regularizedIncompleteBetaMatchesScipy(double a, double b, double x, double expected) {
    assertThat(SpecialFunctions.regularizedBeta(x, a, b)).isCloseTo(expected, within(1e-12));
  }

  @ParameterizedTest
  @CsvSource({
    "0.0, 5, 0.5",
    "1.0, 1, 0.75",
    "2.0, 3, 0.9303370157205785",
    "-2.5, 10, 0.01572342211830441",
    "1.96, 1000, 0.9748634075221256",
    "3.5, 2.5, 0.9738272265198398",
    "0.3, 7.7, 0.6139420918116524",
    "-6.0, 4, 0.0019412685234802554"
  })
  void studentTCdfMatchesScipy(double t, double df, double expected) {
    assertThat(StudentT.cdf(t, df)).isCloseTo(expected, within(1e-12));
  }

  @Test
  void welchTestMatchesScipy() {
    TestResult r =
        WelchTest.test(
            new double[] {0.91, 0.93, 0.90, 0.92, 0.94}, new double[] {0.85, 0.88, 0.86, 0.90});
    assertThat(r.statistic()).isCloseTo(3.612228227989522, within(1e-10));
    assertThat(r.degreesOfFreedom()).isCloseTo(5.281625351392785, within(1e-10));
    assertThat(r.pValue()).isCloseTo(0.013958892472462058, within(1e-10));
    assertThat(r.meanDifference()).isCloseTo(0.0475, within(1e-12));

    TestResult r2 = WelchTest.test(new double[] {1, 2, 3}, new double[] {1.5, 2.5, 3.5, 4.5, 10.0});
    assertThat(r2.statistic()).isCloseTo(-1.5049067844494706, within(1e-10));
    assertThat(r2.degreesOfFreedom()).isCloseTo(5.067086770430556, within(1e-10));
    assertThat(r2.pValue()).isCloseTo(0.19192674233148244, within(1e-10));

    TestResult r3 =
        WelchTest.test(new double[] {0.71, 0.69, 0.74}, new double[] {0.70, 0.72, 0.68});
    assertThat(r3.pValue()).isCloseTo(0.5141226783968248, within(1e-10));
  }

  @Test
  void welchTestOnConstantSamples() {
    assertThat(WelchTest.test(new double[] {1, 1}, new double[] {1, 1}).pValue()).isEqualTo(1);
    assertThat(WelchTest.test(new double[] {1, 1}, new double[] {2, 2}).pValue()).isZero();
    assertThatThrownBy(() -> WelchTest.test(new double[] {1}, new double[] {1, 2}))
        .hasMessageContaining("at least two values");
  }

  @Test
  void exactPermutationTestMatchesScipy() {
    assertThat(
            PermutationTest.test(
                    new double[] {5, 6, 7, 8, 9}, new double[] {0, 1, 2, 3, 4}, 1000, 0)
                .pValue())
        .isCloseTo(0.007936507936507936, within(1e-15));
    assertThat(
            PermutationTest.test(
                    new double[] {0.91, 0.93, 0.90, 0.92, 0.94},
                    new double[] {0.85, 0.88, 0.86, 0.90},
                    1000,
                    0)
                .pValue())
        .isCloseTo(0.015873015873015872, within(1e-15));
    TestResult r =
        PermutationTest.test(
            new double[] {1, 2, 3}, new double[] {1.5, 2.5, 3.5, 4.5, 10.0}, 1000, 0);
    assertThat(r.pValue()).isCloseTo(0.3392857142857143, within(1e-15));
    assertThat(r.meanDifference()).isCloseTo(-2.4, within(1e-12));
  }

  @Test
  void sampledPermutationTestIsSeededAndCloseToTheExactValue() {
    double[] a = {0.91, 0.93, 0.90, 0.92, 0.94, 0.95, 0.90, 0.93};
    double[] b = {0.85, 0.88, 0.86, 0.90, 0.87, 0.91, 0.89, 0.84};
    // C(16, 8) = 12870 relabellings: exact with a budget of 20000, sampled with 5000.
    double exact = PermutationTest.test(a, b, 20_000, 0).pValue();
    double sampled = PermutationTest.test(a, b, 5000, 42).pValue();
    assertThat(PermutationTest.test(a, b, 5000, 42).pValue()).isEqualTo(sampled);
    assertThat(sampled).isCloseTo(exact, within(0.003)).isGreaterThan(0);
    assertThat(PermutationTest.binomial(16, 8)).isEqualTo(12870);
  }

  @Test
  void sampleSummaryUsesTheSampleStandardDeviation() {
    SampleSummary s = SampleSummary.of(0.91, 0.93, 0.90, 0.92, 0.94);
    assertThat(s.mean()).isCloseTo(0.92, within(1e-12));
    assertThat(s.std()).isCloseTo(0.015811388300841875, within(1e-12)); // numpy std(ddof=1)
    assertThat(s.format(3)).isEqualTo("0.920 ± 0.016");
    assertThat(SampleSummary.of(3).std()).isZero();
  }
}
