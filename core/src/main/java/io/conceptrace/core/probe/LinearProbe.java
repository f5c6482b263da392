package io.conceptrace.core.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.io.Npy;
import java.nio.file.Path;

/**
 * An affine probe {@code logit(x) = w·x + b}. Its weight vector {@code w} is the concept activation
 * vector (CAV), the normal of the decision boundary (paper §2.1).
 */
public record LinearProbe(float[] cav, float bias) {
  public static final String CAV_FILE = "cav.npy";
  public static final String BIAS_FILE = "bias.npy";

  public LinearProbe {
    cav = cav.clone();
  }

  @Override
  public float[] cav() {
    return cav.clone();
  }

  public int features() {
    return cav.length;
  }

  /** The number of non-zero weights. */
  public int nonZeros() {
    int n = 0;
    for (float v : cav) {
      if (v != 0f) {
        n++;
      }
    }
    return n;
  }

  /** The logit of one feature vector. */
  public float logit(float[] x) {
    checkWidth(x.length);
    return Vectors.dot(cav, x) + bias;
  }

  /** Logits of a batch {@code [B, D]}, as {@code [B]} in the batch's manager. */
  public NDArray logits(NDArray batch) {
    NDManager m = batch.getManager();
    return batch.matMul(m.create(cav)).add(bias);
  }

  /** Logits of every row of a source, read in blocks of {@code batchSize} rows. */
  public float[] logits(ActivationSource source, int batchSize) {
    checkWidth(source.features());
    float[] out = new float[source.size()];
    for (int start = 0; start < out.length; start += batchSize) {
      int end = Math.min(out.length, start + batchSize);
      int[] rows = new int[end - start];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = start + i;
      }
      float[][] x = source.rows(rows);
      for (int i = 0; i < x.length; i++) {
        out[start + i] = Vectors.dot(cav, x[i]) + bias;
      }
    }
    return out;
  }

  private void checkWidth(long features) {
    if (features != cav.length) {
      throw new IllegalArgumentException(
          "probe has "
              + cav.length
              + " weights but the activations have "
              + features
              + " features");
    }
  }

  /** Writes {@code cav.npy} (float32 [D]) and {@code bias.npy} (float32 [1]) into {@code dir}. */
  public void save(Path dir) {
    Npy.writeFloat32(dir.resolve(CAV_FILE), cav, cav.length);
    Npy.writeFloat32(dir.resolve(BIAS_FILE), new float[] {bias}, 1);
  }

  /** Reads a probe written by {@link #save}. */
  public static LinearProbe load(Path dir) {
    float[] w = Npy.readFloat32(dir.resolve(CAV_FILE));
    float[] b = Npy.readFloat32(dir.resolve(BIAS_FILE));
    if (b.length != 1) {
      throw new BadInputException(dir.resolve(BIAS_FILE) + ": expected one bias, got " + b.length);
    }
    return new LinearProbe(w, b[0]);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LinearProbe p && p.bias == bias && java.util.Arrays.equals(p.cav, cav);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(cav) * 31 + Float.hashCode(bias);
  }

  @Override
  public String toString() {
    return "LinearProbe["
        + cav.length
        + " weights, "
        + nonZeros()
        + " non-zero, bias "
        + bias
        + "]";
  }
}
