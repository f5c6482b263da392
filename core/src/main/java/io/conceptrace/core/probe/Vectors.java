package io.conceptrace.core.probe;

/**
 * The two vector kernels probe training needs, on plain arrays. Probe training is a few million
 * multiply-adds per step; measured on the shared 2-core machine, plain Java loops beat a round trip
 * through the engine (batch gather + two matrix-vector products), whose thread pool suffers badly
 * when the machine is oversubscribed.
 */
final class Vectors {
  private Vectors() {}

  /** {@code a·b}, with four independent accumulators so the loop pipelines. */
  static float dot(float[] a, float[] b) {
    int n = a.length;
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) {
      s0 += a[i] * b[i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** {@code y += alpha · x}. */
  static void axpy(float alpha, float[] x, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] += alpha * x[i];
    }
  }

  /** {@code a·b} over the given indices only. */
  static float dot(float[] a, float[] b, int[] indices) {
    float s = 0;
    for (int i : indices) {
      s += a[i] * b[i];
    }
    return s;
  }

  /** {@code y[i] += alpha · x[i]} for the given indices only. */
  static void axpy(float alpha, float[] x, float[] y, int[] indices) {
    for (int i : indices) {
      y[i] += alpha * x[i];
    }
  }
}
