package io.conceptrace.core.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.Normalization;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns examples into the network's input batch {@code [B, C, H, W]}: the same preprocessing the
 * base model was trained with (normalisation), and, for probe augmentation, random image
 * augmentations (a new random view on each call).
 */
@FunctionalInterface
public interface BatchEncoder {
  NDArray encode(List<Example> examples, NDManager manager);

  /**
   * The base model's evaluation preprocessing: its {@link Normalization} (the one saved with it),
   * no augmentation.
   */
  static BatchEncoder evaluation(Normalization normalization) {
    return normalized(normalization.mean(), normalization.std());
  }

  /**
   * Probe augmentation: every call augments each image afresh ({@link Augmentation#apply}, e.g.
   * padded random crop and flip) and then normalises. The random stream is seeded once, so a probe
   * run with the same seed sees the same sequence of augmented batches.
   */
  static BatchEncoder augmenting(
      Normalization normalization, Augmentation augmentation, long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    return (examples, manager) -> {
      Example first = examples.get(0);
      int c = first.image().channels();
      int size = first.image().height();
      int per = c * size * size;
      float[] data = new float[examples.size() * per];
      float[] scratch = new float[per];
      for (int i = 0; i < examples.size(); i++) {
        Example e = examples.get(i);
        if (e.image().channels() != c || e.image().height() != size || e.image().width() != size) {
          throw new IllegalArgumentException(
              e.id() + " has another image shape than the rest of its batch");
        }
        e.image().copyTo(data, i * per);
        SplittableRandom r;
        synchronized (root) {
          r = root.split();
        }
        augmentation.apply(data, i * per, c, size, scratch, r);
        normalization.apply(data, i * per, size * size);
      }
      return manager.create(data, new Shape(examples.size(), c, size, size));
    };
  }

  /** The pixels as they are, in [0, 1]. */
  static BatchEncoder pixels() {
    return normalized(null, null);
  }

  /** Per-channel {@code (pixel - mean[c]) / std[c]}; {@code null} arrays mean no normalisation. */
  static BatchEncoder normalized(float[] mean, float[] std) {
    return (examples, manager) -> {
      if (examples.isEmpty()) {
        throw new IllegalArgumentException("an empty batch");
      }
      int c = examples.get(0).image().channels();
      int h = examples.get(0).image().height();
      int w = examples.get(0).image().width();
      int per = c * h * w;
      float[] data = new float[examples.size() * per];
      for (int i = 0; i < examples.size(); i++) {
        Example e = examples.get(i);
        if (e.image().channels() != c || e.image().height() != h || e.image().width() != w) {
          throw new IllegalArgumentException(
              e.id() + " has another image shape than the rest of its batch");
        }
        e.image().copyTo(data, i * per);
      }
      if (mean != null) {
        for (int i = 0; i < examples.size(); i++) {
          for (int ch = 0; ch < c; ch++) {
            int off = i * per + ch * h * w;
            for (int p = 0; p < h * w; p++) {
              data[off + p] = (data[off + p] - mean[ch]) / std[ch];
            }
          }
        }
      }
      return manager.create(data, new Shape(examples.size(), c, h, w));
    };
  }
}
