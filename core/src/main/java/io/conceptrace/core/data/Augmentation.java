package io.conceptrace.core.data;

import java.util.SplittableRandom;

/**
 * Training-time image augmentation, applied to CHW float pixels before normalisation: first a crop,
 * then a horizontal flip.
 *
 * @param crop how the image is cropped
 * @param cropPadding {@link Crop#PAD_CROP} only: pad every side with this many zero pixels and take
 *     a random crop of the original size (torchvision's {@code RandomCrop(size, padding)})
 * @param horizontalFlip flip left-right with probability ½
 */
public record Augmentation(Crop crop, int cropPadding, boolean horizontalFlip) {
  /** How an augmented image is cropped. */
  public enum Crop {
    /** The whole image. */
    NONE,
    /** Zero-pad by {@code cropPadding} and crop back to the original size at a random offset. */
    PAD_CROP,
    /**
     * torchvision's {@code RandomResizedCrop(size)} with its defaults: a window of random area
     * (scale (0.08, 1) of the image) and aspect ratio (log-uniform in (3/4, 4/3)), 10 attempts,
     * then the centre-crop fallback; the window is resized (bilinear) to the output size.
     */
    RANDOM_RESIZED
  }

  /** torchvision's default {@code scale} of {@code RandomResizedCrop}. */
  public static final double MIN_SCALE = 0.08;

  public static final double MAX_SCALE = 1.0;

  /** torchvision's default {@code ratio} of {@code RandomResizedCrop}. */
  public static final double MIN_RATIO = 3.0 / 4.0;

  public static final double MAX_RATIO = 4.0 / 3.0;

  /** Attempts at a window that fits before the centre-crop fallback (torchvision: 10). */
  public static final int ATTEMPTS = 10;

  public Augmentation {
    if (crop == null) {
      throw new IllegalArgumentException("crop must be given");
    }
    if (cropPadding < 0) {
      throw new IllegalArgumentException("crop padding must be >= 0, got " + cropPadding);
    }
    if (crop != Crop.PAD_CROP) {
      cropPadding = 0; // only pad-crop reads it: other crops must not differ by an unused value
    }
  }

  /** A padded random crop ({@code cropPadding > 0}) or no crop ({@code 0}), and maybe a flip. */
  public Augmentation(int cropPadding, boolean horizontalFlip) {
    this(cropPadding > 0 ? Crop.PAD_CROP : Crop.NONE, cropPadding, horizontalFlip);
  }

  /** No augmentation (evaluation). */
  public static Augmentation none() {
    return new Augmentation(0, false);
  }

  /** The usual 32×32 recipe: 4-pixel padded random crop and horizontal flip. */
  public static Augmentation standard() {
    return new Augmentation(4, true);
  }

  /** The ImageNet recipe: random-resized crop and horizontal flip. */
  public static Augmentation randomResizedCropAndFlip() {
    return new Augmentation(Crop.RANDOM_RESIZED, 0, true);
  }

  public boolean isNone() {
    return crop == Crop.NONE && !horizontalFlip;
  }

  /**
   * A crop window {@code [top, left, height, width]} of an image of {@code height × width} pixels,
   * drawn as torchvision's {@code RandomResizedCrop.get_params} with the default scale and ratio
   * (Python's {@code round} is round-half-to-even, hence {@link Math#rint}).
   */
  public static int[] randomResizedWindow(int height, int width, SplittableRandom random) {
    double area = (double) height * width;
    double logMin = Math.log(MIN_RATIO);
    double logMax = Math.log(MAX_RATIO);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      double targetArea = area * (MIN_SCALE + (MAX_SCALE - MIN_SCALE) * random.nextDouble());
      double aspect = Math.exp(logMin + (logMax - logMin) * random.nextDouble());
      int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
      int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        int top = random.nextInt(height - h + 1);
        int left = random.nextInt(width - w + 1);
        return new int[] {top, left, h, w};
      }
    }
    double inRatio = (double) width / height;
    int w;
    int h;
    if (inRatio < MIN_RATIO) {
      w = width;
      h = (int) Math.rint(w / MIN_RATIO);
    } else if (inRatio > MAX_RATIO) {
      h = height;
      w = (int) Math.rint(h * MAX_RATIO);
    } else {
      w = width;
      h = height;
    }
    return new int[] {(height - h) / 2, (width - w) / 2, h, w};
  }

  /**
   * Augments one image in place, keeping its size.
   *
   * @param pixels CHW pixels of one image, {@code channels·size·size} floats from {@code offset}
   * @param scratch a buffer of at least {@code channels·size·size} floats
   * @param random this example's own stream (derive it from seed, epoch and position so the result
   *     does not depend on which thread runs it)
   */
  public void apply(
      float[] pixels,
      int offset,
      int channels,
      int size,
      float[] scratch,
      SplittableRandom random) {
    apply(pixels, offset, channels, size, pixels, offset, size, scratch, random);
  }

  /**
   * Augments one image of {@code size²} pixels into an output of {@code outSize²} pixels: the crop
   * (a random-resized window is resized straight to {@code outSize}; the other crops keep {@code
   * size} and the result is then resized), then the flip. {@code source} and {@code target} may be
   * the same array when {@code outSize == size}.
   */
  public void apply(
      float[] source,
      int sourceOffset,
      int channels,
      int size,
      float[] target,
      int targetOffset,
      int outSize,
      float[] scratch,
      SplittableRandom random) {
    int plane = size * size;
    switch (crop) {
      case NONE ->
          resizeInto(
              source,
              sourceOffset,
              channels,
              size,
              0,
              0,
              size,
              size,
              target,
              targetOffset,
              outSize);
      case PAD_CROP -> {
        int dy = random.nextInt(2 * cropPadding + 1) - cropPadding;
        int dx = random.nextInt(2 * cropPadding + 1) - cropPadding;
        System.arraycopy(source, sourceOffset, scratch, 0, channels * plane);
        float[] shifted = outSize == size ? target : new float[channels * plane];
        int shiftedOffset = outSize == size ? targetOffset : 0;
        for (int c = 0; c < channels; c++) {
          for (int y = 0; y < size; y++) {
            int sy = y + dy;
            for (int x = 0; x < size; x++) {
              int sx = x + dx;
              boolean inside = sy >= 0 && sy < size && sx >= 0 && sx < size;
              shifted[shiftedOffset + c * plane + y * size + x] =
                  inside ? scratch[c * plane + sy * size + sx] : 0f;
            }
          }
        }
        if (outSize != size) {
          resizeInto(shifted, 0, channels, size, 0, 0, size, size, target, targetOffset, outSize);
        }
      }
      case RANDOM_RESIZED -> {
        int[] window = randomResizedWindow(size, size, random);
        resizeInto(
            source,
            sourceOffset,
            channels,
            size,
            window[0],
            window[1],
            window[2],
            window[3],
            target,
            targetOffset,
            outSize);
      }
    }
    if (horizontalFlip && random.nextBoolean()) {
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < outSize; y++) {
          int row = targetOffset + (c * outSize + y) * outSize;
          for (int x = 0, z = outSize - 1; x < z; x++, z--) {
            float t = target[row + x];
            target[row + x] = target[row + z];
            target[row + z] = t;
          }
        }
      }
    }
  }

  /**
   * Copies the window {@code [top, left, h, w]} of a {@code size²} image into {@code outSize²}
   * pixels, resized with {@link ImageOps#resize} (bilinear, box pre-filter when shrinking by more
   * than 2×); a window that already has the output size is copied as it is.
   */
  private static void resizeInto(
      float[] source,
      int sourceOffset,
      int channels,
      int size,
      int top,
      int left,
      int h,
      int w,
      float[] target,
      int targetOffset,
      int outSize) {
    int plane = size * size;
    if (h == size && w == size && outSize == size) {
      if (source != target || sourceOffset != targetOffset) {
        System.arraycopy(source, sourceOffset, target, targetOffset, channels * plane);
      }
      return;
    }
    float[] window = new float[channels * h * w];
    for (int c = 0; c < channels; c++) {
      for (int y = 0; y < h; y++) {
        System.arraycopy(
            source, sourceOffset + c * plane + (top + y) * size + left, window, (c * h + y) * w, w);
      }
    }
    ImageTensor resized =
        ImageOps.resize(new ImageTensor(channels, h, w, window), outSize, outSize);
    resized.copyTo(target, targetOffset);
  }
}
