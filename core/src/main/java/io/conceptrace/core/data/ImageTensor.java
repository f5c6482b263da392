package io.conceptrace.core.data;

/**
 * An image as float pixels in channel-major (CHW) order, values nominally in [0, 1], before
 * normalisation. Immutable: the array is never handed out.
 */
public final class ImageTensor {
  private final int channels;
  private final int height;
  private final int width;
  private final float[] data;

  public ImageTensor(int channels, int height, int width, float[] data) {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "bad image shape " + channels + "x" + height + "x" + width);
    }
    if (data.length != channels * height * width) {
      throw new IllegalArgumentException(
          "pixel count "
              + data.length
              + " does not match "
              + channels
              + "x"
              + height
              + "x"
              + width);
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.data = data.clone();
  }

  public int channels() {
    return channels;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public float get(int c, int y, int x) {
    return data[(c * height + y) * width + x];
  }

  /** A copy of the pixels in CHW order. */
  public float[] toArray() {
    return data.clone();
  }

  /** Copies the pixels into {@code dst} at {@code offset} (for filling batches without garbage). */
  public void copyTo(float[] dst, int offset) {
    System.arraycopy(data, 0, dst, offset, data.length);
  }
}
