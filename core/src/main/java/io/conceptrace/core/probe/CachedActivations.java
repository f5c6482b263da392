package io.conceptrace.core.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.io.Npy;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Precomputed activations: a float32 matrix {@code [N, D]} in native memory, owned by a manager of
 * its own (closed with this object). Saved and loaded as {@code .npy} in row blocks, so neither
 * direction needs a second full copy on the Java heap.
 */
public final class CachedActivations implements ActivationSource, AutoCloseable {
  /** Rows moved per block when saving or loading (bounded at about 64 MiB). */
  private static final long BLOCK_BYTES = 64L << 20;

  private final NDManager manager;
  private final NDArray matrix;
  private final int rows;
  private final long features;

  private CachedActivations(NDManager manager, NDArray matrix) {
    this.manager = manager;
    this.matrix = matrix;
    this.rows = Math.toIntExact(matrix.getShape().get(0));
    this.features = matrix.getShape().get(1);
  }

  /**
   * Takes ownership of a {@code [N, D]} matrix (moving it into a sub-manager of {@code parent}).
   */
  public static CachedActivations of(NDArray matrix, NDManager parent) {
    if (matrix.getShape().dimension() != 2) {
      throw new IllegalArgumentException("activations must be [N, D], got " + matrix.getShape());
    }
    NDManager own = parent.newSubManager();
    NDArray m =
        matrix.getDataType() == DataType.FLOAT32 ? matrix : matrix.toType(DataType.FLOAT32, false);
    m.attach(own);
    return new CachedActivations(own, m);
  }

  /** A copy of Java rows (for tests and small sets). */
  public static CachedActivations of(float[][] data, NDManager parent) {
    NDManager own = parent.newSubManager();
    return new CachedActivations(own, own.create(data));
  }

  /**
   * Loads a float32 {@code [N, D]} {@code .npy} file written by {@link #save}.
   *
   * @throws BadInputException if the file is missing, malformed, or not a 2-D float32 array
   */
  public static CachedActivations load(Path file, NDManager parent) {
    try (Npy.Reader reader = Npy.Reader.open(file)) {
      reader.expect(Npy.DType.FLOAT32);
      long[] shape = reader.header().shape();
      if (shape.length != 2) {
        throw new BadInputException(
            file
                + ": activations must be a 2-D [examples, features] array, got "
                + reader.header());
      }
      int n = Math.toIntExact(shape[0]);
      long d = shape[1];
      NDManager own = parent.newSubManager();
      try {
        NDArray matrix = own.zeros(new Shape(n, d), DataType.FLOAT32);
        int block = blockRows(d);
        for (int start = 0; start < n; start += block) {
          int count = Math.min(block, n - start);
          ByteBuffer bytes = reader.readBytes((long) count * d * 4);
          try (NDManager tmp = own.newSubManager()) {
            NDArray part = tmp.create(bytes, new Shape(count, d), DataType.FLOAT32);
            matrix.set(new NDIndex("{}:{}", start, start + count), part);
          }
        }
        return new CachedActivations(own, matrix);
      } catch (RuntimeException e) {
        own.close();
        throw e;
      }
    }
  }

  /** Writes the matrix as a float32 {@code .npy} file readable by {@code numpy.load}. */
  public void save(Path file) {
    int block = blockRows(features);
    try (Npy.FloatWriter writer = Npy.openFloat32(file, rows, features)) {
      for (int start = 0; start < rows; start += block) {
        int end = Math.min(rows, start + block);
        try (NDManager tmp = manager.newSubManager()) {
          NDArray part = matrix.get(new NDIndex("{}:{}", start, end));
          part.attach(tmp);
          float[] values = part.toFloatArray();
          writer.write(values, 0, values.length);
        }
      }
    }
  }

  private static int blockRows(long features) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE / 8, BLOCK_BYTES / (features * 4)));
  }

  @Override
  public int size() {
    return rows;
  }

  @Override
  public long features() {
    return features;
  }

  /** The whole matrix (owned by this object; do not close it). */
  public NDArray matrix() {
    return matrix;
  }

  @Override
  public NDArray rows(int[] indices, NDManager target) {
    long[] longs = new long[indices.length];
    for (int i = 0; i < indices.length; i++) {
      longs[i] = indices[i];
    }
    NDArray idx = target.create(longs);
    NDArray out = matrix.get(idx);
    out.attach(target);
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
