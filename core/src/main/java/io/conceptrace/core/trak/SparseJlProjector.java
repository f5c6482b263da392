package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
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
 * computed. The product runs in Java over blocks of gradient columns (the hashed rows of R of a
 * block take at most {@code maxBlockBytes}), reading the gradients in place, tiles of batch rows in
 * parallel. Not thread-safe.
 */
final class SparseJlProjector implements Projector {
  /**
   * s, nonzeros per gradient coordinate (fewer when k is smaller). A few suffice for the JL
   * guarantee at the accuracy the kernel needs (Kane and Nelson 2014, s = O(ε⁻¹ log 1/δ)); fixed
   * because changing it changes every projection.
   */
  static final int NONZEROS = 8;

  /**
   * Batch rows that share one read of a coordinate's columns and entries: row by row, the hashed
   * row of R was streamed from memory once per image (64 bytes per coordinate per image); a tile of
   * 8 output rows (8·k floats, 64 KiB at k = 2048) stays in cache while it is read once.
   */
  private static final int ROW_TILE = 8;

  /** Gradient coordinates of a tile transposed at once: 4096 · 8 floats, 128 KiB. */
  private static final int TRANSPOSED_COLUMNS = 4096;

  /** Bytes of one nonzero of R held in memory: its column and its entry. */
  private static final long BYTES_PER_NONZERO = Integer.BYTES + Float.BYTES;

  private final long seed;
  private final long inputDim;
  private final int outputDim;
  private final int nonzeros;
  private final float value;
  private final long maxBlockBytes;
  private final boolean cached;
  private int[] cachedColumns;
  private float[] cachedEntries;
  private long generationNanos;
  private long multiplyNanos;

  /**
   * @param maxBlockBytes bound of the hashed rows of R generated at once
   * @param cacheBytes R's hashed rows (8 bytes per nonzero) are generated once and kept when they
   *     take at most this much; else regenerated per call, block by block
   */
  SparseJlProjector(long seed, long inputDim, int outputDim, long maxBlockBytes, long cacheBytes) {
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
    this.cached = cachedBytes(inputDim, outputDim) <= cacheBytes;
  }

  /** Bytes of R's hashed rows kept by a caching projector: a column and an entry per nonzero. */
  static long cachedBytes(long inputDim, int outputDim) {
    long nonzeros = Math.min(NONZEROS, outputDim);
    long entries = inputDim * nonzeros;
    return entries > Integer.MAX_VALUE ? Long.MAX_VALUE : entries * BYTES_PER_NONZERO;
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
    // The block bounds the hashed rows of R held at once (a column index and an entry each);
    // cached, they are all of R, generated on the first call.
    int block =
        cached
            ? (int) inputDim
            : (int)
                Math.max(
                    1,
                    Math.min(
                        Math.min(inputDim, Integer.MAX_VALUE / (long) s),
                        maxBlockBytes / (BYTES_PER_NONZERO * s)));
    for (long c0 = 0; c0 < inputDim; c0 += block) {
      int n = (int) Math.min(block, inputDim - c0);
      long t0 = System.nanoTime();
      int[] columns;
      float[] entries;
      if (cached && cachedColumns != null) {
        columns = cachedColumns;
        entries = cachedEntries;
      } else {
        columns = new int[n * s];
        entries = new float[n * s];
        long first = c0;
        IntStream.range(0, n).parallel().forEach(i -> row(first + i, columns, entries, i * s));
        if (cached) {
          cachedColumns = columns;
          cachedEntries = entries;
        }
      }
      long t1 = System.nanoTime();
      // Each image's part of the block is read in place through a direct buffer over the tensor's
      // memory (a row's slice of a contiguous [B, P] array is contiguous): copying the gradients
      // to the heap first took about as long as the product itself.
      FloatBuffer[] rows = new FloatBuffer[batch];
      try (NDList views = new NDList(batch)) {
        for (int b = 0; b < batch; b++) {
          NDArray view = gradients.get(new NDIndex("{}, {}:{}", b, c0, c0 + n));
          views.add(view);
          rows[b] = view.toByteBuffer(true).asFloatBuffer();
        }
        int tiles = (batch + ROW_TILE - 1) / ROW_TILE;
        IntStream.range(0, tiles)
            .parallel()
            .forEach(
                t ->
                    applyTile(
                        t * ROW_TILE,
                        Math.min(batch, (t + 1) * ROW_TILE),
                        rows,
                        n,
                        columns,
                        entries,
                        out));
      }
      generationNanos += t1 - t0;
      multiplyNanos += System.nanoTime() - t1;
    }
    return gradients.getManager().create(out, new Shape(batch, k));
  }

  /**
   * out[b, :] += Σ_i g[b, i]·R[c0 + i, :] for the batch rows b0..b1 of one block. The tile's
   * outputs and gradients are held transposed (a column's T rows side by side), so each of a
   * coordinate's s entries updates T adjacent floats of one cache line, instead of T·s updates
   * scattered over T output rows.
   */
  private void applyTile(
      int b0, int b1, FloatBuffer[] g, int n, int[] columns, float[] entries, float[] out) {
    int rows = b1 - b0;
    int k = outputDim;
    int s = nonzeros;
    float[] acc = new float[k * ROW_TILE];
    for (int b = 0; b < rows; b++) {
      int at = (b0 + b) * k;
      for (int c = 0; c < k; c++) {
        acc[c * ROW_TILE + b] = out[at + c];
      }
    }
    // The tile's gradients, transposed a few thousand coordinates at a time (kept in cache).
    float[] gt = new float[Math.min(n, TRANSPOSED_COLUMNS) * ROW_TILE];
    for (int i0 = 0; i0 < n; i0 += TRANSPOSED_COLUMNS) {
      int m = Math.min(TRANSPOSED_COLUMNS, n - i0);
      for (int b = 0; b < rows; b++) {
        FloatBuffer row = g[b0 + b];
        for (int i = 0; i < m; i++) {
          gt[i * ROW_TILE + b] = row.get(i0 + i);
        }
      }
      for (int i = 0; i < m; i++) {
        int gi = i * ROW_TILE;
        for (int j = (i0 + i) * s, end = j + s; j < end; j++) {
          int base = columns[j] * ROW_TILE;
          float e = entries[j];
          for (int b = 0; b < ROW_TILE; b++) {
            acc[base + b] += e * gt[gi + b];
          }
        }
      }
    }
    for (int b = 0; b < rows; b++) {
      int at = (b0 + b) * k;
      for (int c = 0; c < k; c++) {
        out[at + c] = acc[c * ROW_TILE + b];
      }
    }
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
  public void close() {
    cachedColumns = null;
    cachedEntries = null;
  }
}
