package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.stream.IntStream;

/**
 * A sparse Johnson–Lindenstrauss projection φ = Rᵀg: every row i of R ∈ ℝ^{P×k} (one gradient
 * coordinate) has exactly s nonzero entries, ±1/√s in s distinct columns, drawn from a hash of
 * (seed, i). Each row then has unit norm, so E‖φ‖² = ‖g‖² (the signs are independent across rows),
 * the normalisation of the dense kinds. R is never stored: its entries are recomputed per call in
 * O(P·s) and the product costs O(B·P·s) instead of the dense O(B·P·k).
 *
 * <p>Every entry is a pure function of (seed, k, s, row); each feature sums its terms in increasing
 * row order whatever the block size or thread count, so the result is the same bits however it is
 * computed. The product runs in Java over blocks of gradient columns copied to the heap (at most
 * {@code maxBlockBytes} at a time), batch rows in parallel. Not thread-safe.
 */
final class SparseJlProjector implements Projector {
  /**
   * s, nonzeros per gradient coordinate (fewer when k is smaller). A few suffice for the JL
   * guarantee at the accuracy the kernel needs (Kane and Nelson 2014, s = O(ε⁻¹ log 1/δ)); fixed
   * because changing it changes every projection.
   */
  static final int NONZEROS = 8;

  private final long seed;
  private final long inputDim;
  private final int outputDim;
  private final int nonzeros;
  private final float value;
  private final long maxBlockBytes;
  private long generationNanos;
  private long multiplyNanos;

  SparseJlProjector(long seed, long inputDim, int outputDim, long maxBlockBytes) {
    if (inputDim <= 0 || outputDim <= 0) {
      throw new IllegalArgumentException(
          "projection dims must be positive: " + inputDim + "→" + outputDim);
    }
    this.seed = seed;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.nonzeros = Math.min(NONZEROS, outputDim);
    this.value = (float) (1.0 / Math.sqrt(nonzeros));
    this.maxBlockBytes = maxBlockBytes;
  }

  @Override
  public long inputDim() {
    return inputDim;
  }

  @Override
  public int outputDim() {
    return outputDim;
  }

  /** s, the nonzeros of each row of R. */
  int nonzeros() {
    return nonzeros;
  }

  @Override
  public NDArray project(NDArray gradients) {
    if (gradients.getShape().dimension() != 2 || gradients.getShape().get(1) != inputDim) {
      throw new IllegalArgumentException(
          "gradients have shape " + gradients.getShape() + ", expected [B, " + inputDim + "]");
    }
    int batch = Math.toIntExact(gradients.getShape().get(0));
    int k = outputDim;
    int s = nonzeros;
    float[] out = new float[Math.multiplyExact(batch, k)];
    long perColumn = Math.max(1, (long) batch * Float.BYTES);
    int block =
        (int)
            Math.max(
                1,
                Math.min(
                    Math.min(inputDim, Integer.MAX_VALUE / (long) s),
                    Math.min(maxBlockBytes / perColumn, maxBlockBytes / (8L * s))));
    for (long c0 = 0; c0 < inputDim; c0 += block) {
      int n = (int) Math.min(block, inputDim - c0);
      long t0 = System.nanoTime();
      int[] columns = new int[n * s];
      float[] entries = new float[n * s];
      long first = c0;
      IntStream.range(0, n).parallel().forEach(i -> row(first + i, columns, entries, i * s));
      long t1 = System.nanoTime();
      float[] g;
      try (NDArray slice = gradients.get(new NDIndex(":, {}:{}", c0, c0 + n))) {
        g = slice.toFloatArray();
      }
      IntStream.range(0, batch)
          .parallel()
          .forEach(
              b -> {
                int in = b * n;
                int at = b * k;
                for (int i = 0; i < n; i++) {
                  float v = g[in + i];
                  if (v != 0f) {
                    for (int j = i * s, end = j + s; j < end; j++) {
                      out[at + columns[j]] += entries[j] * v;
                    }
                  }
                }
              });
      generationNanos += t1 - t0;
      multiplyNanos += System.nanoTime() - t1;
    }
    return gradients.getManager().create(out, new Shape(batch, k));
  }

  /**
   * Row {@code r} of R: s distinct columns and their ±1/√s entries, written at {@code at}. A column
   * that repeats an earlier one of the row is drawn again from the next hash.
   */
  void row(long r, int[] columns, float[] entries, int at) {
    long h = RandomProjector.mix(seed, r);
    int filled = 0;
    for (long draw = 0; filled < nonzeros; draw++) {
      long bits = RandomProjector.mix(h, draw);
      int column = (int) Long.remainderUnsigned(bits >>> 1, outputDim);
      boolean repeated = false;
      for (int j = 0; j < filled; j++) {
        repeated |= columns[at + j] == column;
      }
      if (!repeated) {
        columns[at + filled] = column;
        entries[at + filled] = (bits & 1L) == 0 ? value : -value;
        filled++;
      }
    }
  }

  @Override
  public long generationNanos() {
    return generationNanos;
  }

  @Override
  public long multiplyNanos() {
    return multiplyNanos;
  }

  @Override
  public void close() {}
}
