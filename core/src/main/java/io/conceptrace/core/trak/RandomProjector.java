package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A seeded random projection φ = Rᵀg / √k with R ∈ ℝ^{P×k} (Gaussian or Rademacher entries).
 *
 * <p>The 1/√k scale makes E|φ|² = |g|² (the Johnson–Lindenstrauss normalisation), the same norm as
 * the identity projection gives: features, and so the scores of the reference kernel mode (which
 * are not scale-invariant, see {@link Kernel}), then depend neither on P nor on k. With 1/√P they
 * shrank with the number of parameters, while the identity projection did not scale at all.
 *
 * <p>R is never materialised whole unless it fits {@code cacheBytes}. Its rows are cut into fixed
 * tiles of {@link #TILE_ROWS} rows; tile t is generated from its own generator seeded by (seed, t),
 * so every entry is a pure function of (seed, P, k, row, column) — independent of the block size,
 * of the thread that generates it and of the batch being projected. Blocks of whole tiles (at most
 * {@code maxBlockBytes}) are generated in parallel and multiplied into the result one at a time.
 * Not thread-safe: one projector serves one featurization at a time.
 */
final class RandomProjector implements Projector {
  /** Rows of R generated from one seed. Fixed: changing it would change every projection. */
  static final int TILE_ROWS = 256;

  private final ProjectionKind kind;
  private final long seed;
  private final long inputDim;
  private final int outputDim;
  private final int tilesPerBlock;
  private final long tiles;
  private final float scale;
  private final boolean cached;

  /** The generated blocks when the whole matrix fits the cache bound (owned by cacheManager). */
  private final List<NDArray> cache = new ArrayList<>();

  private final NDManager cacheManager;
  private ByteBuffer scratch;
  private long generationNanos;
  private long multiplyNanos;

  RandomProjector(
      ProjectionKind kind,
      long seed,
      long inputDim,
      int outputDim,
      long maxBlockBytes,
      long cacheBytes,
      NDManager manager) {
    if (inputDim <= 0 || outputDim <= 0) {
      throw new IllegalArgumentException(
          "projection dims must be positive: " + inputDim + "→" + outputDim);
    }
    long tileBytes = (long) TILE_ROWS * outputDim * Float.BYTES;
    this.kind = kind;
    this.seed = seed;
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.tiles = (inputDim + TILE_ROWS - 1) / TILE_ROWS;
    this.tilesPerBlock = (int) Math.max(1, Math.min(tiles, maxBlockBytes / tileBytes));
    this.scale = (float) (1.0 / Math.sqrt(outputDim));
    this.cached = inputDim * outputDim * (long) Float.BYTES <= cacheBytes;
    this.cacheManager = cached ? manager.newSubManager() : null;
  }

  @Override
  public long inputDim() {
    return inputDim;
  }

  @Override
  public int outputDim() {
    return outputDim;
  }

  /** Number of row blocks the matrix is processed in. */
  int blocks() {
    return (int) ((tiles + tilesPerBlock - 1) / tilesPerBlock);
  }

  @Override
  public NDArray project(NDArray gradients) {
    if (gradients.getShape().dimension() != 2 || gradients.getShape().get(1) != inputDim) {
      throw new IllegalArgumentException(
          "gradients have shape " + gradients.getShape() + ", expected [B, " + inputDim + "]");
    }
    NDManager owner = gradients.getManager();
    NDArray out = owner.zeros(new Shape(gradients.getShape().get(0), outputDim), DataType.FLOAT32);
    for (int b = 0; b < blocks(); b++) {
      long r0 = (long) b * tilesPerBlock * TILE_ROWS;
      long r1 = Math.min(inputDim, r0 + (long) tilesPerBlock * TILE_ROWS);
      try (NDManager scope = owner.newSubManager()) {
        long t0 = System.nanoTime();
        NDArray block = cached ? cachedBlock(b) : generateShared(r0, r1, scope);
        long t1 = System.nanoTime();
        NDArray slice = gradients.get(new NDIndex(":, {}:{}", r0, r1));
        slice.attach(scope);
        NDArray part = slice.matMul(block);
        out.addi(part);
        generationNanos += t1 - t0;
        multiplyNanos += System.nanoTime() - t1;
      }
    }
    return out;
  }

  /** The rows [r0, r1) of R (already scaled) in memory of their own. Package-private for tests. */
  NDArray generate(long r0, long r1, NDManager manager) {
    try (NDArray shared = generateShared(r0, r1, manager)) {
      return shared.duplicate();
    }
  }

  /**
   * The rows [r0, r1) of R, generated tile by tile in parallel into this projector's one direct
   * scratch buffer, which the returned tensor shares on the CPU (DJL wraps a direct ByteBuffer
   * without copying): it is valid only until the next call. One reused buffer instead of a fresh
   * one per block, because direct buffers are freed only when the garbage collector runs, and one
   * per block piled up gigabytes of native memory in the benchmark.
   */
  private NDArray generateShared(long r0, long r1, NDManager manager) {
    int rows = Math.toIntExact(r1 - r0);
    ByteBuffer bytes = scratch(rows * outputDim);
    FloatBuffer values = bytes.asFloatBuffer();
    long firstTile = r0 / TILE_ROWS;
    int tileCount = (rows + TILE_ROWS - 1) / TILE_ROWS;
    IntStream.range(0, tileCount)
        .parallel()
        .forEach(
            t -> {
              long tile = firstTile + t;
              int tileRows = (int) Math.min(TILE_ROWS, inputDim - tile * TILE_ROWS);
              fillTile(tile, tileRows, values.duplicate().position(t * TILE_ROWS * outputDim));
            });
    return manager.create(bytes, new Shape(rows, outputDim), DataType.FLOAT32);
  }

  /** A native-order view of the first {@code floats} floats of the (grown if needed) scratch. */
  private ByteBuffer scratch(int floats) {
    int bytes = floats * Float.BYTES;
    if (scratch == null || scratch.capacity() < bytes) {
      scratch = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
    ByteBuffer view = scratch.duplicate();
    view.clear().limit(bytes);
    return view.slice().order(ByteOrder.nativeOrder());
  }

  @Override
  public long generationNanos() {
    return generationNanos;
  }

  @Override
  public long multiplyNanos() {
    return multiplyNanos;
  }

  private void fillTile(long tile, int tileRows, FloatBuffer dst) {
    SplittableRandom random = new SplittableRandom(mix(seed, tile));
    int count = tileRows * outputDim;
    if (kind == ProjectionKind.GAUSSIAN) {
      for (int i = 0; i < count; i++) {
        dst.put((float) random.nextGaussian() * scale);
      }
    } else {
      // Branch-free ±scale: the sign bit of the float is one random bit.
      int scaleBits = Float.floatToRawIntBits(scale);
      int i = 0;
      while (i < count) {
        long bits = random.nextLong();
        int n = Math.min(64, count - i);
        for (int j = 0; j < n; j++, i++) {
          dst.put(Float.intBitsToFloat(scaleBits | (int) ((bits >>> j) & 1L) << 31));
        }
      }
    }
  }

  private NDArray cachedBlock(int b) {
    synchronized (cache) {
      while (cache.size() <= b) {
        int i = cache.size();
        long r0 = (long) i * tilesPerBlock * TILE_ROWS;
        long r1 = Math.min(inputDim, r0 + (long) tilesPerBlock * TILE_ROWS);
        cache.add(generate(r0, r1, cacheManager));
      }
      return cache.get(b);
    }
  }

  @Override
  public void close() {
    if (cacheManager != null) {
      cacheManager.close();
    }
  }

  /** SplitMix64 finaliser of (seed, tile): decorrelates neighbouring tiles and seeds. */
  static long mix(long seed, long tile) {
    long z = seed * 0x9E3779B97F4A7C15L + tile + 0x632BE59BD9B4E5BL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
