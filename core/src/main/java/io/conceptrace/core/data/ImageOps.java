package io.conceptrace.core.data;

/** Pixel-level helpers shared by the data sources: resizing, cropping, channel conversion. */
public final class ImageOps {
  private ImageOps() {}

  /**
   * Bilinear resize with half-pixel centres (as PIL/torchvision without antialiasing); when
   * shrinking by more than 2× it first box-averages so that detail is not aliased away.
   */
  public static ImageTensor resize(ImageTensor src, int height, int width) {
    if (src.height() == height && src.width() == width) {
      return src;
    }
    ImageTensor in = src;
    while (in.height() >= 2 * height && in.width() >= 2 * width) {
      in = halve(in);
    }
    int c = in.channels();
    int h0 = in.height();
    int w0 = in.width();
    float[] s = in.toArray();
    float[] out = new float[c * height * width];
    double sy = (double) h0 / height;
    double sx = (double) w0 / width;
    for (int y = 0; y < height; y++) {
      double fy = Math.max(0, (y + 0.5) * sy - 0.5);
      int y0 = Math.min((int) fy, h0 - 1);
      int y1 = Math.min(y0 + 1, h0 - 1);
      float wy = (float) (fy - y0);
      for (int x = 0; x < width; x++) {
        double fx = Math.max(0, (x + 0.5) * sx - 0.5);
        int x0 = Math.min((int) fx, w0 - 1);
        int x1 = Math.min(x0 + 1, w0 - 1);
        float wx = (float) (fx - x0);
        for (int ch = 0; ch < c; ch++) {
          int base = ch * h0 * w0;
          float top = s[base + y0 * w0 + x0] * (1 - wx) + s[base + y0 * w0 + x1] * wx;
          float bot = s[base + y1 * w0 + x0] * (1 - wx) + s[base + y1 * w0 + x1] * wx;
          out[(ch * height + y) * width + x] = top * (1 - wy) + bot * wy;
        }
      }
    }
    return new ImageTensor(c, height, width, out);
  }

  private static ImageTensor halve(ImageTensor in) {
    int c = in.channels();
    int h = in.height() / 2;
    int w = in.width() / 2;
    float[] out = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          out[(ch * h + y) * w + x] =
              (in.get(ch, 2 * y, 2 * x)
                      + in.get(ch, 2 * y, 2 * x + 1)
                      + in.get(ch, 2 * y + 1, 2 * x)
                      + in.get(ch, 2 * y + 1, 2 * x + 1))
                  / 4f;
        }
      }
    }
    return new ImageTensor(c, h, w, out);
  }

  /** Resizes so that the shorter side is {@code shorter}, keeping the aspect ratio. */
  public static ImageTensor resizeShorterSide(ImageTensor src, int shorter) {
    int h = src.height();
    int w = src.width();
    if (Math.min(h, w) == shorter) {
      return src;
    }
    if (h <= w) {
      return resize(src, shorter, Math.max(1, (int) Math.round((double) w * shorter / h)));
    }
    return resize(src, Math.max(1, (int) Math.round((double) h * shorter / w)), shorter);
  }

  /** The central {@code size}×{@code size} window (the image must be at least that large). */
  public static ImageTensor centerCrop(ImageTensor src, int size) {
    if (src.height() < size || src.width() < size) {
      throw new IllegalArgumentException(
          "cannot crop " + size + " from " + src.height() + "x" + src.width());
    }
    int top = (src.height() - size) / 2;
    int left = (src.width() - size) / 2;
    int c = src.channels();
    float[] out = new float[c * size * size];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          out[(ch * size + y) * size + x] = src.get(ch, top + y, left + x);
        }
      }
    }
    return new ImageTensor(c, size, size, out);
  }

  /** A grey image copied into three identical channels. */
  public static ImageTensor greyToRgb(ImageTensor grey) {
    if (grey.channels() != 1) {
      throw new IllegalArgumentException("expected 1 channel, got " + grey.channels());
    }
    int n = grey.height() * grey.width();
    float[] out = new float[3 * n];
    grey.copyTo(out, 0);
    grey.copyTo(out, n);
    grey.copyTo(out, 2 * n);
    return new ImageTensor(3, grey.height(), grey.width(), out);
  }
}
