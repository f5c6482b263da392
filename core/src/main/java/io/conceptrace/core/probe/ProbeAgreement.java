package io.conceptrace.core.probe;

import java.util.List;

/**
 * How much probes trained on different base models at the same layer agree (paper Appendix E): for
 * every pair, the fraction of concept test images on which their predictions (logit > 0) are the
 * same. Predictions are compared rather than CAVs because each base model's layer has its own
 * basis; {@code docs/probes.md} explains why.
 *
 * @param models the base model (or probe) names, in matrix order
 * @param matrix {@code matrix[i][j]} = agreement of probes i and j (1 on the diagonal)
 * @param meanPairwise the mean over pairs i &lt; j (NaN for fewer than two probes)
 * @param minPairwise the smallest pairwise agreement (NaN for fewer than two probes)
 */
public record ProbeAgreement(
    List<String> models, double[][] matrix, double meanPairwise, double minPairwise) {

  public ProbeAgreement {
    models = List.copyOf(models);
    matrix = copy(matrix);
  }

  @Override
  public double[][] matrix() {
    return copy(matrix);
  }

  /**
   * Agreement of the probes' predictions on the same test images.
   *
   * @param logits one array per model, each holding the logits of the same test images in the same
   *     order
   */
  public static ProbeAgreement of(List<String> models, List<float[]> logits) {
    if (models.size() != logits.size()) {
      throw new IllegalArgumentException(models.size() + " names for " + logits.size() + " probes");
    }
    int m = logits.size();
    for (float[] l : logits) {
      if (l.length != logits.get(0).length || l.length == 0) {
        throw new IllegalArgumentException(
            "every probe must be scored on the same non-empty test images");
      }
    }
    double[][] a = new double[m][m];
    double sum = 0;
    double min = Double.NaN;
    int pairs = 0;
    for (int i = 0; i < m; i++) {
      a[i][i] = 1;
      for (int j = i + 1; j < m; j++) {
        float[] x = logits.get(i);
        float[] y = logits.get(j);
        int same = 0;
        for (int t = 0; t < x.length; t++) {
          if ((x[t] > 0) == (y[t] > 0)) {
            same++;
          }
        }
        double v = (double) same / x.length;
        a[i][j] = v;
        a[j][i] = v;
        sum += v;
        min = pairs == 0 ? v : Math.min(min, v);
        pairs++;
      }
    }
    return new ProbeAgreement(models, a, pairs == 0 ? Double.NaN : sum / pairs, min);
  }

  private static double[][] copy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}
