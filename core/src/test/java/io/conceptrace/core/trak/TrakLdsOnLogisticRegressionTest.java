package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on a linear model over fixed features: logistic regression (the probe alone, on
 * fixed activations) fitted on the full data is attributed by {@link Trak} (probe-only gradients,
 * no projection); logistic regressions fitted on seeded half-subsets give the measured signed
 * margins; the LDS of TRAK's τ must be high, and that of random scores about zero.
 */
class TrakLdsOnLogisticRegressionTest {
  private static final int N = 200;
  private static final int D = 5;
  private static final int T = 30;
  private static final int SUBSETS = 40;
  private static final double L2 = 1e-2;

  private static ComputeEngine engine;

  @TempDir Path tmp;

  @BeforeAll
  static void startEngine() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
  }

  @Test
  void trakPredictsTheSubsetModelsAndRandomScoresDoNot() throws Exception {
    Random rng = new Random(3);
    double[] truth = new double[D];
    for (int k = 0; k < D; k++) {
      truth[k] = rng.nextGaussian();
    }
    float[] x = new float[N * D];
    boolean[] y = new boolean[N];
    for (int i = 0; i < N; i++) {
      double s = 0;
      for (int k = 0; k < D; k++) {
        x[i * D + k] = (float) rng.nextGaussian();
        s += x[i * D + k] * truth[k];
      }
      y[i] = rng.nextDouble() < 1 / (1 + Math.exp(-s)); // noisy labels: not separable
    }
    float[] targets = new float[T * D];
    for (int t = 0; t < T * D; t++) {
      targets[t] = (float) rng.nextGaussian();
    }
    boolean[] all = new boolean[N];
    java.util.Arrays.fill(all, true);
    double[] full = fit(x, y, all);
    boolean[] yTargets = new boolean[T];
    for (int t = 0; t < T; t++) {
      yTargets[t] = logit(full, targets, t) > 0;
    }

    double[][] tau = trakScores(full, x, y, targets, yTargets);

    boolean[][] included = new boolean[SUBSETS][];
    double[][] measured = new double[SUBSETS][T];
    for (int j = 0; j < SUBSETS; j++) {
      included[j] = LinearDatamodelScore.subset(N, 0.5, 21, j);
      double[] w = fit(x, y, included[j]);
      for (int t = 0; t < T; t++) {
        measured[j][t] = (yTargets[t] ? 1 : -1) * logit(w, targets, t);
      }
    }
    double[][] noise = new double[T][N];
    for (double[] row : noise) {
      for (int i = 0; i < N; i++) {
        row[i] = rng.nextGaussian();
      }
    }

    LinearDatamodelScore trak = LinearDatamodelScore.of(included, measured, tau, 1);
    LinearDatamodelScore random = LinearDatamodelScore.of(included, measured, noise, 1);

    // Measured: TRAK 0.965 [0.957, 0.971], random -0.012 (TRAK's kernel is the Gauss-Newton
    // one without the p(1 - p) weights, so it is close to, not exactly, the Newton influence).
    assertThat(trak.lds()).isGreaterThan(0.9);
    assertThat(trak.ciLow()).isGreaterThan(0.8);
    assertThat(Math.abs(random.lds())).isLessThan(0.1);
  }

  /** τ [targets][n] from TRAK over the one fitted model, probe-only, without projection. */
  private double[][] trakScores(
      double[] w, float[] x, boolean[] y, float[] targets, boolean[] yTargets) throws Exception {
    float[] weights = new float[D];
    for (int k = 0; k < D; k++) {
      weights[k] = (float) w[k];
    }
    ConceptModel model =
        new ConceptModel(
            "logistic", Subnetwork.activations(), new ProbeHead(weights, (float) w[D], false));
    TrakSpec spec =
        TrakSpec.defaults(1)
            .withProjection(ProjectionKind.NONE, 0, 0)
            .withRidge(0)
            .withEnsembleMode(EnsembleMode.PLAIN)
            .withParameters(ParameterGroups.parse("probe-only"))
            .withBatchSize(64);
    Trak.Result result;
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec, tmp.resolve("work"), manager, N, T)) {
      trak.addModel(
          0, model, BatchSource.ofRows(x, D), y, BatchSource.ofRows(targets, D), yTargets);
      result = trak.finish();
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add("z" + i);
    }
    TrakOutputs out = TrakOutputs.write(tmp.resolve("out"), result, ids, ids, 5);
    float[] scores = Npy.readFloat32(out.scores()); // n × T
    double[][] tau = new double[T][N];
    for (int i = 0; i < N; i++) {
      for (int t = 0; t < T; t++) {
        tau[t][i] = scores[i * T + t];
      }
    }
    return tau;
  }

  private static double logit(double[] w, float[] rows, int r) {
    double s = w[D];
    for (int k = 0; k < D; k++) {
      s += w[k] * rows[r * D + k];
    }
    return s;
  }

  /** L2-regularised logistic regression (weights, then bias) by Newton's method. */
  private static double[] fit(float[] x, boolean[] y, boolean[] in) {
    int p = D + 1;
    double[] w = new double[p];
    for (int iter = 0; iter < 50; iter++) {
      double[] grad = new double[p];
      double[][] hess = new double[p][p];
      for (int i = 0; i < N; i++) {
        if (!in[i]) {
          continue;
        }
        double[] a = new double[p];
        for (int k = 0; k < D; k++) {
          a[k] = x[i * D + k];
        }
        a[D] = 1;
        double s = 0;
        for (int k = 0; k < p; k++) {
          s += w[k] * a[k];
        }
        double prob = 1 / (1 + Math.exp(-s));
        double r = prob - (y[i] ? 1 : 0);
        for (int k = 0; k < p; k++) {
          grad[k] += r * a[k];
          for (int l = 0; l < p; l++) {
            hess[k][l] += prob * (1 - prob) * a[k] * a[l];
          }
        }
      }
      for (int k = 0; k < D; k++) {
        grad[k] += L2 * w[k];
        hess[k][k] += L2;
      }
      double[] step = SmallSolve.solve(hess, grad);
      double size = 0;
      for (int k = 0; k < p; k++) {
        w[k] -= step[k];
        size += Math.abs(step[k]);
      }
      if (size < 1e-12) {
        break;
      }
    }
    return w;
  }
}
