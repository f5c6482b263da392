package io.conceptrace.core.data;

import java.util.SplittableRandom;

/**
 * Training-time image augmentation, applied to CHW float pixels before normalisation.
 *
 * @param cropPadding pad every side with this many zero pixels and take a random crop of the
 *     original size (torchvision's {@code RandomCrop(size, padding)}); 0 = no cropping
 * @param horizontalFlip flip left-right with probability ½
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) {
  public Augmentation {
    if (cropPadding < 0) {
      throw new IllegalArgumentException("crop padding must be >= 0, got " + cropPadding);
    }
  }

  /** No augmentation (evaluation). */
  public static Augmentation none() {
    return new Augmentation(0, false);
  }

  /** The usual 32×32 recipe: 4-pixel padded random crop and horizontal flip. */
  public static Augmentation standard() {
    return new Augmentation(4, true);
  }

  public boolean isNone() {
    return cropPadding == 0 && !horizontalFlip;
  }

  /**
   * Augments one image in place.
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
    if (cropPadding > 0) {
      int dy = random.nextInt(2 * cropPadding + 1) - cropPadding;
      int dx = random.nextInt(2 * cropPadding + 1) - cropPadding;
      int plane = size * size;
      System.arraycopy(pixels, offset, scratch, 0, channels * plane);
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < size; y++) {
          int sy = y + dy;
          for (int x = 0; x < size; x++) {
            int sx = x + dx;
            boolean inside = sy >= 0 && sy < size && sx >= 0 && sx < size;
            pixels[offset + c * plane + y * size + x] =
                inside ? scratch[c * plane + sy * size + sx] : 0f;
          }
        }
      }
    }
    if (horizontalFlip && random.nextBoolean()) {
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < size; y++) {
          int row = offset + (c * size + y) * size;
          for (int x = 0, z = size - 1; x < z; x++, z--) {
            float t = pixels[row + x];
            pixels[row + x] = pixels[row + z];
            pixels[row + z] = t;
          }
        }
      }
    }
  }
}
