package io.conceptrace.core.trak;

/** Dense linear solves for the known-answer tests' tiny reference models. */
final class SmallSolve {
  private SmallSolve() {}

  /** Gaussian elimination with partial pivoting (the systems of these tests are tiny). */
  static double[] solve(double[][] matrix, double[] rhs) {
    int d = rhs.length;
    double[][] a = new double[d][d + 1];
    for (int r = 0; r < d; r++) {
      System.arraycopy(matrix[r], 0, a[r], 0, d);
      a[r][d] = rhs[r];
    }
    for (int c = 0; c < d; c++) {
      int piv = c;
      for (int r = c + 1; r < d; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) {
          piv = r;
        }
      }
      double[] tmp = a[c];
      a[c] = a[piv];
      a[piv] = tmp;
      for (int r = c + 1; r < d; r++) {
        double f = a[r][c] / a[c][c];
        for (int k = c; k <= d; k++) {
          a[r][k] -= f * a[c][k];
        }
      }
    }
    double[] out = new double[d];
    for (int r = d - 1; r >= 0; r--) {
      double s = a[r][d];
      for (int k = r + 1; k < d; k++) {
        s -= a[r][k] * out[k];
      }
      out[r] = s / a[r][r];
    }
    return out;
  }
}
