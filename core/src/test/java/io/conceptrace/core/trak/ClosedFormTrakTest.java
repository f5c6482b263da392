package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Projection disabled (k = P) on probe-only models: θ = (w, b) and ∇θ f = (2y−1)·[a, 1], so the
 * whole pipeline (autograd gradients, feature store, Cholesky kernel, ensemble, Eq. (1), .npy
 * files) must reproduce scores computed here independently with plain doubles and Gauss–Jordan.
 */
class ClosedFormTrakTest {
  private static final int D = 6;
  private static final int N = 40;
  private static final int T = 7;
  private static final double RIDGE = 1e-2;

  private static ComputeEngine engine;

  @TempDir Path tmp;

  @BeforeAll
  static void startEngine() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
  }

  @Test
  void plainEnsembleMatchesClosedForm() throws Exception {
    check(EnsembleMode.PLAIN);
  }

  @Test
  void trakerCompatibleEnsembleMatchesClosedForm() throws Exception {
    check(EnsembleMode.TRAKER);
  }

  private void check(EnsembleMode mode) throws Exception {
    Random random = new Random(7);
    float[] train = randomMatrix(random, N, D);
    float[] targets = randomMatrix(random, T, D);
    List<ProbeHead> probes = List.of(randomProbe(random), randomProbe(random), randomProbe(random));
    ProbeHead designated = probes.get(0);
    boolean[] yTrain = labels(designated, train, N);
    boolean[] yTargets = labels(designated, targets, T);

    TrakSpec spec =
        TrakSpec.defaults(1)
            .withProjection(ProjectionKind.NONE, 0, 0)
            .withRidge(RIDGE)
            .withEnsembleMode(mode)
            .withParameters(ParameterGroups.parse("probe-only"))
            .withBatchSize(16)
            .withGradientBufferBytes(1) // one batch per projection call: 3 calls for 40 rows
            .withTopK(5);
    double[][] expectedS = new double[N][T];
    double[] expectedQ = new double[N];
    Trak.Result result;
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec, tmp.resolve("work"), manager, N, T)) {
      BatchSource trainSource = BatchSource.ofRows(train, D);
      BatchSource targetSource = BatchSource.ofRows(targets, D);
      ConceptModel designatedModel = new ConceptModel("m0", Subnetwork.activations(), designated);
      assertThat(Trak.pseudoLabels(designatedModel, trainSource, 16, manager)).isEqualTo(yTrain);
      assertThat(Trak.pseudoLabels(designatedModel, targetSource, 16, manager)).isEqualTo(yTargets);
      for (int m = 0; m < probes.size(); m++) {
        ConceptModel model = new ConceptModel("m" + m, Subnetwork.activations(), probes.get(m));
        trak.addModel(m, model, trainSource, yTrain, targetSource, yTargets);
        addClosedForm(probes.get(m), train, yTrain, targets, yTargets, mode, expectedS, expectedQ);
      }
      result = trak.finish();
    }
    int models = probes.size();
    double[] expectedImportance = new double[N];
    double[] expectedTau = new double[N * T];
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < T; j++) {
        double tau = (expectedS[i][j] / models) * (expectedQ[i] / models);
        expectedTau[i * T + j] = tau;
        expectedImportance[i] += tau / T;
      }
    }
    double scale = maxAbs(expectedTau);
    assertThat(scale).isGreaterThan(0);

    List<String> ids = new ArrayList<>();
    List<String> classes = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      ids.add("ex/" + i);
      classes.add(yTrain[i] ? "concept" : "other");
    }
    TrakOutputs out = TrakOutputs.write(tmp.resolve("out"), result, ids, classes, 5);
    Npy.Header scoresHeader = Npy.readHeader(out.scores());
    assertThat(scoresHeader.dtype()).isEqualTo(Npy.DType.FLOAT32);
    assertThat(scoresHeader.shape()).containsExactly(N, T);
    float[] scores = Npy.readFloat32(out.scores());
    for (int i = 0; i < N * T; i++) {
      assertThat(Math.abs(scores[i] - expectedTau[i]) / scale).as("tau[%d]", i).isLessThan(1e-5);
    }
    Npy.Header importanceHeader = Npy.readHeader(out.importance());
    assertThat(importanceHeader.dtype()).isEqualTo(Npy.DType.FLOAT64);
    assertThat(importanceHeader.shape()).containsExactly(N);
    double[] importance = Npy.readFloat64(out.importance());
    double iScale = maxAbs(expectedImportance);
    for (int i = 0; i < N; i++) {
      assertThat(Math.abs(importance[i] - expectedImportance[i]) / iScale).isLessThan(1e-5);
    }
    // the ranking is by Eq. (1), highest first
    List<String> lines = Files.readAllLines(out.ranking());
    assertThat(lines.get(0)).isEqualTo("rank,example_id,class,score");
    int best = argMax(expectedImportance);
    assertThat(lines.get(1)).startsWith("1,ex/" + best + ",");
    assertThat(Files.readAllLines(out.top()).get(0)).isEqualTo("ex/" + best);
    assertThat(Files.readAllLines(out.bottom()).get(0))
        .isEqualTo("ex/" + argMax(negate(expectedImportance)));
    assertThat(Files.readAllLines(out.top())).hasSize(5);
  }

  /** S_m and Q_m by the textbook formulas, added into the sums. */
  private static void addClosedForm(
      ProbeHead probe,
      float[] train,
      boolean[] yTrain,
      float[] targets,
      boolean[] yTargets,
      EnsembleMode mode,
      double[][] sSum,
      double[] qSum) {
    int p = D + 1;
    double[][] g = gradients(train, yTrain, N);
    double[][] gt = gradients(targets, yTargets, T);
    double[][] gram = new double[p][p];
    for (double[] row : g) {
      for (int a = 0; a < p; a++) {
        for (int b = 0; b < p; b++) {
          gram[a][b] += row[a] * row[b];
        }
      }
    }
    double trace = 0;
    for (int a = 0; a < p; a++) {
      trace += gram[a][a];
    }
    for (int a = 0; a < p; a++) {
      gram[a][a] += RIDGE * trace / p;
    }
    double[][] k = gaussJordanInverse(gram);
    double scale = 1;
    if (mode == EnsembleMode.TRAKER) {
      double s = 0;
      for (double[] row : k) {
        for (double v : row) {
          s += Math.abs(v);
        }
      }
      scale = 1 / (s / (p * p));
    }
    for (int i = 0; i < N; i++) {
      for (int j = 0; j < T; j++) {
        double v = 0;
        for (int a = 0; a < p; a++) {
          for (int b = 0; b < p; b++) {
            v += g[i][a] * k[a][b] * gt[j][b];
          }
        }
        sSum[i][j] += scale * v;
      }
      double margin = (yTrain[i] ? 1 : -1) * logit(probe, train, i);
      qSum[i] += 1 - 1 / (1 + Math.exp(-margin));
    }
  }

  private static double[][] gradients(float[] a, boolean[] y, int n) {
    double[][] g = new double[n][D + 1];
    for (int i = 0; i < n; i++) {
      double sign = y[i] ? 1 : -1;
      for (int d = 0; d < D; d++) {
        g[i][d] = sign * a[i * D + d];
      }
      g[i][D] = sign;
    }
    return g;
  }

  private static double[][] gaussJordanInverse(double[][] m) {
    int n = m.length;
    double[][] a = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, a[i], 0, n);
      a[i][n + i] = 1;
    }
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
          piv = r;
        }
      }
      double[] t = a[c];
      a[c] = a[piv];
      a[piv] = t;
      double d = a[c][c];
      for (int j = 0; j < 2 * n; j++) {
        a[c][j] /= d;
      }
      for (int r = 0; r < n; r++) {
        if (r != c) {
          double f = a[r][c];
          for (int j = 0; j < 2 * n; j++) {
            a[r][j] -= f * a[c][j];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], n, inv[i], 0, n);
    }
    return inv;
  }

  private static double logit(ProbeHead probe, float[] a, int i) {
    float[] w = probe.weights();
    double s = probe.bias();
    for (int d = 0; d < D; d++) {
      s += w[d] * a[i * D + d];
    }
    return s;
  }

  private static boolean[] labels(ProbeHead probe, float[] a, int n) {
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      y[i] = logit(probe, a, i) > 0;
    }
    return y;
  }

  private static float[] randomMatrix(Random r, int rows, int cols) {
    float[] m = new float[rows * cols];
    for (int i = 0; i < m.length; i++) {
      m[i] = (float) r.nextGaussian();
    }
    return m;
  }

  private static ProbeHead randomProbe(Random r) {
    float[] w = new float[D];
    for (int d = 0; d < D; d++) {
      w[d] = (float) r.nextGaussian();
    }
    return new ProbeHead(w, (float) (0.3 * r.nextGaussian()), false);
  }

  private static double maxAbs(double[] v) {
    double m = 0;
    for (double x : v) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }

  private static double[] negate(double[] v) {
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = -v[i];
    }
    return out;
  }

  private static int argMax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}
