package io.conceptrace.core.concept;

import io.conceptrace.core.data.ImageTensor;

/**
 * The read-only helper API that concept predicates (an experiment's Kotlin blocks) see for one
 * image. Pixel values are in [0, 1]; coordinates are (channel, row, column).
 */
public final class ImageView {
  private final ImageTensor image;
  private final String id;
  private final int label;

  public ImageView(String id, int label, ImageTensor image) {
    this.id = id;
    this.label = label;
    this.image = image;
  }

  /** The example's stable id. */
  public String id() {
    return id;
  }

  /** The example's class index. */
  public int label() {
    return label;
  }

  public int channels() {
    return image.channels();
  }

  public int height() {
    return image.height();
  }

  public int width() {
    return image.width();
  }

  /** One pixel of one channel. */
  public double pixel(int channel, int row, int column) {
    return image.get(channel, row, column);
  }

  /** The mean over channels at one position (grey value). */
  public double grey(int row, int column) {
    double s = 0;
    for (int c = 0; c < image.channels(); c++) {
      s += image.get(c, row, column);
    }
    return s / image.channels();
  }

  /** Mean grey value of the whole image. */
  public double mean() {
    return meanGrey(0, 0, height(), width());
  }

  /** Mean grey value of a window (clipped to the image). */
  public double meanGrey(int row, int column, int rows, int columns) {
    int r1 = Math.min(height(), row + rows);
    int c1 = Math.min(width(), column + columns);
    double s = 0;
    int n = 0;
    for (int y = Math.max(0, row); y < r1; y++) {
      for (int x = Math.max(0, column); x < c1; x++) {
        s += grey(y, x);
        n++;
      }
    }
    return n == 0 ? 0 : s / n;
  }

  /**
   * Local high-pass energy of a window: the mean squared difference between each grey pixel and its
   * right and lower neighbours. Textured regions score high, flat regions near zero.
   */
  public double highPassEnergy(int row, int column, int rows, int columns) {
    int r1 = Math.min(height() - 1, row + rows);
    int c1 = Math.min(width() - 1, column + columns);
    double s = 0;
    int n = 0;
    for (int y = Math.max(0, row); y < r1; y++) {
      for (int x = Math.max(0, column); x < c1; x++) {
        double g = grey(y, x);
        double dx = g - grey(y, x + 1);
        double dy = g - grey(y + 1, x);
        s += dx * dx + dy * dy;
        n++;
      }
    }
    return n == 0 ? 0 : s / n;
  }

  /**
   * The high-low frequency contrast of the image: over all pairs of horizontally or vertically
   * adjacent windows of side {@code window}, the largest ratio of high-pass energy of one window to
   * the other's (plus a small floor so flat-vs-flat scores ~1). A clear transition from a textured
   * region to a flat one scores high.
   */
  public double highLowContrast(int window) {
    if (window < 2) {
      throw new IllegalArgumentException("window must be >= 2, got " + window);
    }
    int rows = height() / window;
    int cols = width() / window;
    double[][] e = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        e[i][j] = highPassEnergy(i * window, j * window, window, window);
      }
    }
    double floor = 1e-3;
    double best = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        if (j + 1 < cols) {
          best = Math.max(best, ratio(e[i][j], e[i][j + 1], floor));
        }
        if (i + 1 < rows) {
          best = Math.max(best, ratio(e[i][j], e[i + 1][j], floor));
        }
      }
    }
    return best;
  }

  private static double ratio(double a, double b, double floor) {
    double hi = Math.max(a, b);
    double lo = Math.min(a, b);
    return (hi + floor) / (lo + floor);
  }
}
