package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.Scalars;

/**
 * The after-kernel inverse K = (ΦᵀΦ + λI)⁻¹ of one model, k × k, row-major, in float64.
 *
 * <p>ΦᵀΦ is accumulated block by block in float64 (PyTorch's double GEMM: Φ's n × k rows are read
 * from the feature store, never held whole); the ridge is λ = ridge · trace(ΦᵀΦ)/k, i.e. relative
 * to the mean squared feature norm per dimension. Scaling every feature by c then scales K by 1/c²,
 * so that the plain scores Φ K Φ_tᵀ do not depend on the feature scale; the reference ensemble mode
 * divides K by mean|K| and its scores scale with c² (hence the norm-preserving projections, see
 * {@link RandomProjector}). The factorisation is a plain Cholesky in Java doubles (k³/3 flops), the
 * inverse L⁻ᵀL⁻¹ then comes from a triangular inverse and one GEMM.
 *
 * @param dim k
 * @param inverse K, k × k row-major
 * @param lambda the absolute ridge added to the diagonal
 */
public record Kernel(int dim, double[] inverse, double lambda) {

  /**
   * Computes K from the features in {@code phi}.
   *
   * @param ridge relative ridge (≥ 0); with n < k the Gram matrix is singular and ridge must be
   *     positive
   * @throws IllegalStateException if ΦᵀΦ + λI is not numerically positive definite
   */
  public static Kernel compute(FeatureStore phi, double ridge, NDManager manager, long blockBytes) {
    int k = phi.cols();
    rankProblem(k, phi.rows(), k, ridge)
        .ifPresent(
            m -> {
              throw new IllegalStateException(m);
            });
    double[] gram = gram(phi, manager, blockBytes);
    double trace = 0;
    for (int i = 0; i < k; i++) {
      trace += gram[i * k + i];
    }
    double lambda = ridge * trace / k;
    for (int i = 0; i < k; i++) {
      gram[i * k + i] += lambda;
    }
    double[] inv;
    try (NDManager scope = manager.newSubManager()) {
      double[] l = blockedCholesky(gram, k, scope);
      double[] linv = blockedLowerInverse(l, k, scope);
      NDArray x = scope.create(linv, new Shape(k, k));
      inv = x.transpose().matMul(x).toDoubleArray();
    }
    return new Kernel(k, inv, lambda);
  }

  /**
   * Why ΦᵀΦ + λI cannot be inverted, if it cannot: without a ridge, the Gram matrix of n feature
   * rows of dimension k projected from P gradient coordinates has rank at most min(n, P), so it is
   * singular when that is below k. {@code ctrace validate} asks the same question before any cell
   * runs, so a study never fails on it after training.
   *
   * @param k the feature dimension (the projection dimension)
   * @param examples n, the training images
   * @param parameters P, the gradient coordinates the features are projected from
   */
  public static java.util.Optional<String> rankProblem(
      int k, long examples, long parameters, double ridge) {
    long rank = Math.min(examples, parameters);
    if (ridge > 0 || rank >= k) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        "with lambda = 0 the kernel of k = "
            + k
            + " features over "
            + examples
            + " training images"
            + (parameters < examples ? " and " + parameters + " parameters" : "")
            + " has rank at most "
            + rank
            + " < k and cannot be inverted: set attribution.lambda > 0 or projection-dim <= "
            + rank);
  }

  /** Diagonal block size of the blocked factorisations (the rest is float64 GEMM in PyTorch). */
  static final int BLOCK = 128;

  /**
   * Right-looking blocked Cholesky: each diagonal block is factored in Java, the panel below it and
   * the trailing update are GEMMs, so almost all k³/3 flops run in PyTorch's float64 GEMM. {@code
   * a} (symmetric, row-major) is overwritten; the result is L, lower triangular.
   */
  static double[] blockedCholesky(double[] a, int n, NDManager manager) {
    for (int j0 = 0; j0 < n; j0 += BLOCK) {
      int j1 = Math.min(n, j0 + BLOCK);
      int b = j1 - j0;
      double[] d = sub(a, n, j0, j1, j0, j1);
      try {
        choleskyInPlace(d, b);
      } catch (IllegalStateException e) {
        throw new IllegalStateException(
            "kernel matrix is not positive definite near column "
                + j0
                + ": increase the ridge, or use more training examples than features",
            e);
      }
      put(a, n, j0, j0, d, b, b);
      if (j1 == n) {
        break;
      }
      int rest = n - j1;
      try (NDManager scope = manager.newSubManager()) {
        NDArray dinvT = scope.create(lowerInverse(d, b), new Shape(b, b)).transpose();
        NDArray panel = scope.create(sub(a, n, j1, n, j0, j1), new Shape(rest, b)).matMul(dinvT);
        put(a, n, j1, j0, panel.toDoubleArray(), rest, b);
        NDArray trailing = scope.create(sub(a, n, j1, n, j1, n), new Shape(rest, rest));
        trailing = trailing.sub(panel.matMul(panel.transpose()));
        put(a, n, j1, j1, trailing.toDoubleArray(), rest, rest);
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        a[i * n + j] = 0;
      }
    }
    return a;
  }

  /** L⁻¹ by block rows: X_ii = L_ii⁻¹, X[i, :i] = −X_ii (L[i, :i] X[:i, :i]) as GEMMs. */
  static double[] blockedLowerInverse(double[] l, int n, NDManager manager) {
    double[] x = new double[n * n];
    for (int i0 = 0; i0 < n; i0 += BLOCK) {
      int i1 = Math.min(n, i0 + BLOCK);
      int b = i1 - i0;
      double[] xii = lowerInverse(sub(l, n, i0, i1, i0, i1), b);
      put(x, n, i0, i0, xii, b, b);
      if (i0 == 0) {
        continue;
      }
      try (NDManager scope = manager.newSubManager()) {
        NDArray row = scope.create(sub(l, n, i0, i1, 0, i0), new Shape(b, i0));
        NDArray left = scope.create(sub(x, n, 0, i0, 0, i0), new Shape(i0, i0));
        NDArray xiiArr = scope.create(xii, new Shape(b, b));
        NDArray result = xiiArr.matMul(row.matMul(left)).neg();
        put(x, n, i0, 0, result.toDoubleArray(), b, i0);
      }
    }
    return x;
  }

  private static double[] sub(double[] a, int n, int r0, int r1, int c0, int c1) {
    int cols = c1 - c0;
    double[] out = new double[(r1 - r0) * cols];
    for (int r = r0; r < r1; r++) {
      System.arraycopy(a, r * n + c0, out, (r - r0) * cols, cols);
    }
    return out;
  }

  private static void put(double[] a, int n, int r0, int c0, double[] block, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      System.arraycopy(block, r * cols, a, (r0 + r) * n + c0, cols);
    }
  }

  /** ΦᵀΦ in float64, row-major k × k. */
  static double[] gram(FeatureStore phi, NDManager manager, long blockBytes) {
    int k = phi.cols();
    int block = phi.rowsPerBlock(blockBytes);
    try (NDManager scope = manager.newSubManager()) {
      NDArray acc = scope.zeros(new Shape(k, k), DataType.FLOAT64);
      for (long start = 0; start < phi.rows(); start += block) {
        int count = (int) Math.min(block, phi.rows() - start);
        try (NDManager batch = scope.newSubManager()) {
          NDArray x =
              batch
                  .create(phi.readRows(start, count), new Shape(count, k))
                  .toType(DataType.FLOAT64, false);
          acc.addi(x.transpose().matMul(x));
        }
      }
      return acc.toDoubleArray();
    }
  }

  /**
   * Overwrites the lower triangle of the symmetric matrix {@code a} with its Cholesky factor L (a =
   * LLᵀ) and zeroes the upper triangle.
   */
  static void choleskyInPlace(double[] a, int n) {
    for (int j = 0; j < n; j++) {
      int rj = j * n;
      double d = a[rj + j];
      for (int p = 0; p < j; p++) {
        d -= a[rj + p] * a[rj + p];
      }
      if (!(d > 0)) {
        throw new IllegalStateException(
            "kernel matrix is not positive definite at column "
                + j
                + " (pivot "
                + d
                + "): increase the ridge, or use more training examples than features");
      }
      double ljj = Math.sqrt(d);
      a[rj + j] = ljj;
      for (int i = j + 1; i < n; i++) {
        int ri = i * n;
        double s = a[ri + j];
        for (int p = 0; p < j; p++) {
          s -= a[ri + p] * a[rj + p];
        }
        a[ri + j] = s / ljj;
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        a[i * n + j] = 0;
      }
    }
  }

  /** L⁻¹ for a lower-triangular L (row-major), by forward substitution row by row. */
  static double[] lowerInverse(double[] l, int n) {
    double[] x = new double[n * n];
    for (int i = 0; i < n; i++) {
      int ri = i * n;
      double lii = l[ri + i];
      x[ri + i] = 1.0 / lii;
      // row i of X: X[i][j] = -(Σ_{p=j}^{i-1} L[i][p] X[p][j]) / L[i][i] for j < i
      for (int p = 0; p < i; p++) {
        double lip = l[ri + p];
        if (lip == 0) {
          continue;
        }
        int rp = p * n;
        for (int j = 0; j <= p; j++) {
          x[ri + j] -= lip * x[rp + j];
        }
      }
      for (int j = 0; j < i; j++) {
        x[ri + j] /= lii;
      }
    }
    return x;
  }

  /** mean |K_ij|, the reference implementation's normaliser. */
  public double meanAbs() {
    double s = 0;
    for (double v : inverse) {
      s += Math.abs(v);
    }
    return s / inverse.length;
  }

  /** K as a float64 NDArray [k, k], optionally scaled. */
  NDArray toNDArray(NDManager manager, double scale) {
    NDArray k = manager.create(inverse, new Shape(dim, dim));
    return scale == 1.0 ? k : Scalars.mul(k, scale);
  }
}
