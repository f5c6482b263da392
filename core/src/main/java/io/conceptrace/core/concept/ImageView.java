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
   * Texture density of a window: the fraction of its pixels whose grey value differs by more than
   * {@code step} from at least two of their four neighbours. Fine texture scores high (a
   * checkerboard 1, per-pixel noise about 0.7), a flat or smoothly shaded region 0, and an object's
   * outline little, since a pixel on a straight or gently curved edge differs from only one
   * neighbour.
   */
  public double textureDensity(int row, int column, int rows, int columns, double step) {
    int r0 = Math.max(0, row);
    int c0 = Math.max(0, column);
    int r1 = Math.min(height(), row + rows);
    int c1 = Math.min(width(), column + columns);
    int busy = 0;
    int n = 0;
    for (int y = r0; y < r1; y++) {
      for (int x = c0; x < c1; x++) {
        double g = grey(y, x);
        int differing = 0;
        differing += x > 0 && Math.abs(g - grey(y, x - 1)) > step ? 1 : 0;
        differing += x + 1 < width() && Math.abs(g - grey(y, x + 1)) > step ? 1 : 0;
        differing += y > 0 && Math.abs(g - grey(y - 1, x)) > step ? 1 : 0;
        differing += y + 1 < height() && Math.abs(g - grey(y + 1, x)) > step ? 1 : 0;
        busy += differing >= 2 ? 1 : 0;
        n++;
      }
    }
    return n == 0 ? 0 : (double) busy / n;
  }

  /**
   * The high-low frequency contrast of the image, in [0, 1]: over every pair of windows of side
   * {@code window} that touch along a side (on a half-window grid, so a transition is never more
   * than a quarter window off a pair's border), the largest difference of {@link #textureDensity}
   * (grey step 0.1). A fine texture meeting a flat region scores near 1; an object's outline on a
   * flat background scores only its outline's share of a window, so boundaries alone stay low (the
   * distinction of the paper's Appendix D). A threshold of 0.5 separates the two on the generated
   * data.
   */
  public double highLowContrast(int window) {
    if (window < 2) {
      throw new IllegalArgumentException("window must be >= 2, got " + window);
    }
    int stride = Math.max(1, window / 2);
    int rows = (height() - window) / stride + 1;
    int cols = (width() - window) / stride + 1;
    if (rows < 1 || cols < 1) {
      return 0;
    }
    double[][] density = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        density[i][j] = textureDensity(i * stride, j * stride, window, window, 0.1);
      }
    }
    int hop = window / stride; // the window that starts where this one ends
    double best = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        if (j + hop < cols) {
          best = Math.max(best, Math.abs(density[i][j] - density[i][j + hop]));
        }
        if (i + hop < rows) {
          best = Math.max(best, Math.abs(density[i][j] - density[i + hop][j]));
        }
      }
    }
    return best;
  }
}
