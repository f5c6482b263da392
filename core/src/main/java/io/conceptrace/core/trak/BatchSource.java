package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.data.ImageDataset;
import java.util.function.UnaryOperator;

/** An indexable set of model inputs, handed out in batches. */
public interface BatchSource {
  int size();

  /** Inputs [count, ...] of examples start … start+count−1, owned by {@code manager}. */
  NDArray batch(int start, int count, NDManager manager);

  /**
   * Images of a dataset as [B, C, H, W] float32, passed through {@code normalize} (the base model's
   * evaluation-time input normalisation; no augmentation).
   */
  static BatchSource of(ImageDataset dataset, UnaryOperator<NDArray> normalize) {
    return new BatchSource() {
      @Override
      public int size() {
        return dataset.size();
      }

      @Override
      public NDArray batch(int start, int count, NDManager manager) {
        int c = dataset.channels();
        int s = dataset.imageSize();
        int per = c * s * s;
        float[] pixels = new float[count * per];
        for (int i = 0; i < count; i++) {
          dataset.get(start + i).image().copyTo(pixels, i * per);
        }
        return normalize.apply(manager.create(pixels, new Shape(count, c, s, s)));
      }
    };
  }

  /** Rows of a row-major matrix (e.g. cached activations) as [B, ...rowShape]. */
  static BatchSource ofRows(float[] values, long... rowShape) {
    long per = new Shape(rowShape).size();
    if (per == 0 || values.length % per != 0) {
      throw new IllegalArgumentException(values.length + " values are not whole rows of " + per);
    }
    int rows = (int) (values.length / per);
    return new BatchSource() {
      @Override
      public int size() {
        return rows;
      }

      @Override
      public NDArray batch(int start, int count, NDManager manager) {
        float[] part = new float[(int) (count * per)];
        System.arraycopy(values, (int) (start * per), part, 0, part.length);
        long[] dims = new long[rowShape.length + 1];
        dims[0] = count;
        System.arraycopy(rowShape, 0, dims, 1, rowShape.length);
        return manager.create(part, new Shape(dims));
      }
    };
  }
}
