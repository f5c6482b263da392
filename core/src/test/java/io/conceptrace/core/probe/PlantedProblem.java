package io.conceptrace.core.probe;

import java.util.Random;

/**
 * Synthetic probe data: Gaussian features, labels from a planted sparse linear rule {@code y = [x_0
 * + x_1 - x_2 > 0]} (so a 3-sparse probe can be perfect), or random labels.
 */
final class PlantedProblem {
  final float[][] x;
  final float[] y;

  private PlantedProblem(float[][] x, float[] y) {
    this.x = x;
    this.y = y;
  }

  static PlantedProblem planted(int n, int d, long seed) {
    Random r = new Random(seed);
    float[][] x = new float[n][d];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      float s;
      do {
        for (int j = 0; j < d; j++) {
          x[i][j] = (float) r.nextGaussian();
        }
        s = x[i][0] + x[i][1] - x[i][2];
      } while (Math.abs(s) < 0.5f);
      y[i] = s > 0 ? 1 : 0;
    }
    return new PlantedProblem(x, y);
  }

  /** The same features with labels that carry no information about them. */
  PlantedProblem shuffledLabels(long seed) {
    Random r = new Random(seed);
    float[] s = new float[y.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = r.nextBoolean() ? 1 : 0;
    }
    return new PlantedProblem(x, s);
  }
}
