package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.probe.BatchEncoder;
import java.util.ArrayList;
import java.util.List;

/** An indexable set of model inputs, handed out in batches. */
public interface BatchSource {
  int size();

  /** Inputs [count, ...] of examples start … start+count−1, owned by {@code manager}. */
  NDArray batch(int start, int count, NDManager manager);

  /**
   * Images of a dataset as the base model sees them at evaluation time: {@code
   * BatchEncoder.evaluation(normalization)} of the model's training normalisation, no augmentation.
   */
  static BatchSource of(ImageDataset dataset, BatchEncoder encoder) {
    return new BatchSource() {
      @Override
      public int size() {
        return dataset.size();
      }

      @Override
      public NDArray batch(int start, int count, NDManager manager) {
        List<Example> examples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          examples.add(dataset.get(start + i));
        }
        return encoder.encode(examples, manager);
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
