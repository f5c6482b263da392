package io.conceptrace.core.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A batch decoded, augmented and normalised on the host (plain Java arrays), ready to become arrays
 * on the consumer's thread: loader threads never touch the compute engine.
 */
public final class HostBatch {
  private final float[] pixels;
  private final int[] labels;
  private final int[] indices;
  private final List<String> ids;
  private final int channels;
  private final int imageSize;

  /**
   * @param pixels {@code labels.length · channels · imageSize²} floats, NCHW
   * @param indices the examples' indices in the dataset the loader read
   * @param ids the examples' stable ids
   */
  public HostBatch(
      float[] pixels, int[] labels, int[] indices, List<String> ids, int channels, int imageSize) {
    if (pixels.length != labels.length * channels * imageSize * imageSize
        || indices.length != labels.length
        || ids.size() != labels.length) {
      throw new IllegalArgumentException("inconsistent batch sizes");
    }
    this.pixels = pixels;
    this.labels = labels;
    this.indices = indices;
    this.ids = List.copyOf(ids);
    this.channels = channels;
    this.imageSize = imageSize;
  }

  public int size() {
    return labels.length;
  }

  public int[] labels() {
    return labels.clone();
  }

  public int[] indices() {
    return indices.clone();
  }

  public List<String> ids() {
    return ids;
  }

  /** Images [B, C, H, W] in {@code manager}. */
  public NDArray images(NDManager manager) {
    return manager.create(pixels, new Shape(labels.length, channels, imageSize, imageSize));
  }

  /** Labels [B] (int32) in {@code manager}. */
  public NDArray labels(NDManager manager) {
    return manager.create(labels);
  }
}
