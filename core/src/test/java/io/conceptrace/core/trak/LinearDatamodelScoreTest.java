package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the LDS: a hand-computed case, and ridge regression on fixed features, where
 * the exact leave-one-out influence is known in closed form and must predict the subset models'
 * outputs (LDS > 0.9) while random scores must not (|LDS| < 0.1).
 */
class LinearDatamodelScoreTest {

  @Test
  void tinyCaseMatchesTheHandComputation() {
    boolean[][] included = {
      {true, false, false}, {true, true, false}, {false, true, true},
    };
    // target 0: predictions 1, 3, 6 (ranks 1, 2, 3) against measured ranks 1, 3, 2: ρ = 0.5.
    // target 1: predictions -1, -1, 0 (ranks 1.5, 1.5, 3) against measured ranks 3, 2, 1:
    // ρ = -1.5 / sqrt(1.5 * 2) = -0.8660.
    double[][] tau = {{1, 2, 4}, {-1, 0, 0}};
    double[][] measured = {{0.1, 5}, {0.3, 4}, {0.2, 3}};

    LinearDatamodelScore s = LinearDatamodelScore.of(included, measured, tau, 7);

    double rho1 = -1.5 / Math.sqrt(3);
    assertThat(s.perTarget()).containsExactly(new double[] {0.5, rho1}, within(1e-12));
    assertThat(s.lds()).isCloseTo((0.5 + rho1) / 2, within(1e-12));
    assertThat(s.subsets()).isEqualTo(3);
    assertThat(s.targets()).isEqualTo(2);
    // Resampling two targets: the extremes are both-target-1 and both-target-0 (each 1 in 4).
    assertThat(s.ciLow()).isCloseTo(rho1, within(1e-12));
    assertThat(s.ciHigh()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void exactInfluenceOfRidgeRegressionPredictsTheSubsetModels() {
    Ridge r = Ridge.generate(300, 4, 40, 11);
    boolean[][] included = subsets(300, 0.5, 60, 3);
    double[][] measured = r.subsetOutputs(included);

    LinearDatamodelScore exact = LinearDatamodelScore.of(included, measured, r.looInfluence(), 1);
    LinearDatamodelScore reversed =
        LinearDatamodelScore.of(included, measured, negate(r.looInfluence()), 1);

    assertThat(exact.lds()).isGreaterThan(0.9);
    assertThat(exact.ciLow()).isLessThanOrEqualTo(exact.lds());
    assertThat(exact.ciHigh()).isGreaterThanOrEqualTo(exact.lds()).isLessThanOrEqualTo(1);
    // Sign matters: scores that say the opposite are scored as the opposite.
    assertThat(reversed.lds()).isCloseTo(-exact.lds(), within(1e-12));
  }

  @Test
  void randomScoresScoreAboutZero() {
    Ridge r = Ridge.generate(300, 4, 40, 11);
    boolean[][] included = subsets(300, 0.5, 60, 3);
    double[][] measured = r.subsetOutputs(included);
    Random rng = new Random(5);
    double[][] noise = new double[40][300];
    for (double[] row : noise) {
      for (int i = 0; i < row.length; i++) {
        row[i] = rng.nextGaussian();
      }
    }

    LinearDatamodelScore s = LinearDatamodelScore.of(included, measured, noise, 1);

    // 40 targets × 60 subsets: the mean ρ of unrelated rankings has sd ≈ 1/sqrt(59 · 40) ≈ 0.02.
    assertThat(Math.abs(s.lds())).isLessThan(0.1);
    assertThat(s.ciLow()).isLessThan(s.ciHigh());
  }

  @Test
  void theBootstrapIsSeededAndBracketsTheMean() {
    Ridge r = Ridge.generate(120, 3, 25, 2);
    boolean[][] included = subsets(120, 0.5, 20, 9);
    double[][] measured = r.subsetOutputs(included);
    double[][] tau = r.looInfluence();

    LinearDatamodelScore a = LinearDatamodelScore.of(included, measured, tau, 42);
    LinearDatamodelScore b = LinearDatamodelScore.of(included, measured, tau, 42);
    LinearDatamodelScore c = LinearDatamodelScore.of(included, measured, tau, 43);

    assertThat(a).usingRecursiveComparison().isEqualTo(b);
    assertThat(c.lds()).isEqualTo(a.lds());
    assertThat(a.ciLow()).isLessThan(a.lds()).isGreaterThanOrEqualTo(min(a.perTarget()));
    assertThat(a.ciHigh()).isGreaterThan(a.lds());
  }

  @Test
  void subsetsHaveTheExactSizeAndAreReproducibleAndIndependent() {
    boolean[] first = LinearDatamodelScore.subset(101, 0.5, 17, 0);
    assertThat(count(first)).isEqualTo(51); // round(50.5)
    assertThat(LinearDatamodelScore.subset(101, 0.5, 17, 0)).isEqualTo(first);
    assertThat(LinearDatamodelScore.subset(101, 0.5, 17, 1)).isNotEqualTo(first);
    assertThat(LinearDatamodelScore.subset(101, 0.5, 18, 0)).isNotEqualTo(first);
    assertThat(count(LinearDatamodelScore.subset(10, 0.3, 1, 4))).isEqualTo(3);

    // Every image is in about α of the subsets.
    int[] in = new int[50];
    for (int j = 0; j < 400; j++) {
      boolean[] m = LinearDatamodelScore.subset(50, 0.3, 5, j);
      for (int i = 0; i < 50; i++) {
        in[i] += m[i] ? 1 : 0;
      }
    }
    for (int c : in) {
      assertThat(c / 400.0).isBetween(0.2, 0.4);
    }
  }

  @Test
  void badShapesAreRefused() {
    boolean[][] two = {{true, false}, {false, true}};
    assertThatThrownBy(
            () -> LinearDatamodelScore.of(new boolean[][] {{true}}, new double[1][1], tau(1, 1), 0))
        .hasMessageContaining("at least 2 subsets");
    assertThatThrownBy(() -> LinearDatamodelScore.of(two, new double[2][1], tau(1, 3), 0))
        .hasMessageContaining("3 scores for 2 training images");
    assertThatThrownBy(() -> LinearDatamodelScore.subset(10, 1.0, 0, 0))
        .hasMessageContaining("0 < fraction < 1");
  }

  // ------------------------------------------------------------------ helpers

  private static double[][] tau(int targets, int n) {
    return new double[targets][n];
  }

  private static boolean[][] subsets(int n, double fraction, int count, long seed) {
    boolean[][] out = new boolean[count][];
    for (int j = 0; j < count; j++) {
      out[j] = LinearDatamodelScore.subset(n, fraction, seed, j);
    }
    return out;
  }

  private static int count(boolean[] m) {
    int c = 0;
    for (boolean b : m) {
      c += b ? 1 : 0;
    }
    return c;
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static double[][] negate(double[][] a) {
    double[][] out = new double[a.length][];
    for (int t = 0; t < a.length; t++) {
      out[t] = new double[a[t].length];
      for (int i = 0; i < a[t].length; i++) {
        out[t][i] = -a[t][i];
      }
    }
    return out;
  }

  /**
   * Ridge regression y ≈ x·w on fixed random features, its output on fixed targets x_t, and the
   * exact leave-one-out influence of each training point on each target's output.
   */
  private record Ridge(double[][] x, double[] y, double[][] targets, double lambda) {
    static Ridge generate(int n, int d, int targetCount, long seed) {
      Random rng = new Random(seed);
      double[] w = new double[d];
      for (int k = 0; k < d; k++) {
        w[k] = rng.nextGaussian();
      }
      double[][] x = new double[n][d];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < d; k++) {
          x[i][k] = rng.nextGaussian();
          y[i] += x[i][k] * w[k];
        }
        y[i] += rng.nextGaussian(); // the noise the subsets' fits pick up differently
      }
      double[][] t = new double[targetCount][d];
      for (double[] row : t) {
        for (int k = 0; k < d; k++) {
          row[k] = rng.nextGaussian();
        }
      }
      return new Ridge(x, y, t, 1e-3);
    }

    /** f_t(S_j) = x_t · w(S_j), w(S) = (X_Sᵀ X_S + λI)⁻¹ X_Sᵀ y_S, [subsets][targets]. */
    double[][] subsetOutputs(boolean[][] included) {
      double[][] out = new double[included.length][];
      for (int j = 0; j < included.length; j++) {
        double[] w = SmallSolve.solve(gram(included[j]), moment(included[j]));
        out[j] = new double[targets.length];
        for (int t = 0; t < targets.length; t++) {
          out[j][t] = dot(targets[t], w);
        }
      }
      return out;
    }

    /**
     * τ(t, i) = f_t(all) − f_t(all but i) = x_tᵀ G⁻¹ x_i r_i / (1 − h_ii): the exact effect of
     * removing image i from the full ridge fit (G = XᵀX + λI, r the residuals, h the leverages).
     */
    double[][] looInfluence() {
      boolean[] all = new boolean[x.length];
      java.util.Arrays.fill(all, true);
      double[][] g = gram(all);
      double[] w = SmallSolve.solve(g, moment(all));
      double[][] out = new double[targets.length][x.length];
      for (int i = 0; i < x.length; i++) {
        double[] gx = SmallSolve.solve(g, x[i]);
        double residual = y[i] - dot(x[i], w);
        double leverage = dot(x[i], gx);
        for (int t = 0; t < targets.length; t++) {
          out[t][i] = dot(targets[t], gx) * residual / (1 - leverage);
        }
      }
      return out;
    }

    private double[][] gram(boolean[] in) {
      int d = x[0].length;
      double[][] g = new double[d][d];
      for (int i = 0; i < x.length; i++) {
        if (in[i]) {
          for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
              g[a][b] += x[i][a] * x[i][b];
            }
          }
        }
      }
      for (int a = 0; a < d; a++) {
        g[a][a] += lambda;
      }
      return g;
    }

    private double[] moment(boolean[] in) {
      double[] m = new double[x[0].length];
      for (int i = 0; i < x.length; i++) {
        if (in[i]) {
          for (int a = 0; a < m.length; a++) {
            m[a] += x[i][a] * y[i];
          }
        }
      }
      return m;
    }

    private static double dot(double[] a, double[] b) {
      double s = 0;
      for (int k = 0; k < a.length; k++) {
        s += a[k] * b[k];
      }
      return s;
    }
  }
}
