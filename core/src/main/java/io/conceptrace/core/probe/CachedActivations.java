package io.conceptrace.core.probe;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.io.Npy;
import java.nio.file.Path;

/**
 * Precomputed activations {@code [N, D]} held as Java rows (no native memory to manage, and reading
 * a batch costs nothing: rows are handed out, not copied). Saved and loaded as float32 {@code .npy}
 * row by row, so neither direction needs a second full copy.
 */
public final class CachedActivations implements ActivationSource {
  private final float[][] rows;
  private final int features;

  private CachedActivations(float[][] rows, int features) {
    this.rows = rows;
    this.features = features;
  }

  /**
   * Wraps rows of equal length. The arrays are not copied: the caller hands them over and must not
   * change them afterwards.
   */
  public static CachedActivations of(float[][] rows) {
    if (rows.length == 0) {
      throw new IllegalArgumentException("no activations");
    }
    int d = rows[0].length;
    for (float[] r : rows) {
      if (r.length != d) {
        throw new IllegalArgumentException("rows of different lengths: " + d + " and " + r.length);
      }
    }
    return new CachedActivations(rows, d);
  }

  /**
   * Loads a float32 {@code [N, D]} {@code .npy} file (as written by {@link #save} or by {@code
   * numpy.save}).
   *
   * @throws BadInputException if the file is missing, malformed, or not a 2-D float32 array
   */
  public static CachedActivations load(Path file) {
    try (Npy.Reader reader = Npy.Reader.open(file)) {
      reader.expect(Npy.DType.FLOAT32);
      long[] shape = reader.header().shape();
      if (shape.length != 2 || shape[0] < 1 || shape[1] < 1 || shape[1] > Integer.MAX_VALUE - 8) {
        throw new BadInputException(
            file
                + ": activations must be a 2-D [examples, features] array, got "
                + reader.header());
      }
      int n = Math.toIntExact(shape[0]);
      int d = (int) shape[1];
      float[][] rows = new float[n][d];
      for (float[] row : rows) {
        reader.readFloats(row, 0, d);
      }
      return new CachedActivations(rows, d);
    }
  }

  /** Writes the matrix as a float32 {@code .npy} file readable by {@code numpy.load}. */
  public void save(Path file) {
    try (Npy.FloatWriter writer = Npy.openFloat32(file, rows.length, features)) {
      for (float[] row : rows) {
        writer.write(row, 0, features);
      }
    }
  }

  @Override
  public int size() {
    return rows.length;
  }

  @Override
  public int features() {
    return features;
  }

  /** One row (not copied: do not modify). */
  public float[] row(int index) {
    return rows[index];
  }

  @Override
  public float[][] rows(int[] indices) {
    float[][] out = new float[indices.length][];
    for (int i = 0; i < indices.length; i++) {
      out[i] = rows[indices[i]];
    }
    return out;
  }
}
