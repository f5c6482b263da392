package io.conceptrace.core.trak;

import java.util.Locale;
import java.util.Optional;

/**
 * How much memory one TRAK model needs at its peak, estimated from P (the gradient length), k (the
 * projection dimension) and the batching of {@link TrakSpec}, so that a projection that cannot fit
 * is rejected when the experiment file is validated instead of after every probe has trained.
 *
 * <p>It follows what {@link Trak#addModel} allocates. While featurizing, {@link Trak#featurize}
 * gathers a chunk of per-example gradients batch by batch: each batch's gradients are copied into
 * the chunk's array and freed, so the chunk is held once, plus one batch while it is copied in
 * (none when the chunk is one batch, which becomes the chunk itself). Then each projector of the
 * model projects the chunk in turn: R of them ({@code attribution.projections}), twice as many with
 * one projection (the stability replica's own seeds). A dense projector keeps, from its first chunk
 * until the model is done, the direct buffer it generates its rows in (one block) and, when the
 * whole matrix fits the cache bound, the cached matrix too; so every projector's is there while the
 * last one projects, and while the next chunk is gathered. Projecting adds the chunk's projected
 * features (twice: the tensor and its Java copy). A sparse-jl projector keeps R's hashed rows (a
 * column and an entry per nonzero) when they fit the cache bound, else holds one block of them
 * while projecting; it reads the gradients in place. The featurization peak is the larger of the
 * two moments. While forming the kernel, four k × k float64 matrices (ΦᵀΦ as a tensor and as a Java
 * array, the Cholesky factor's inverse and the product of its transpose with it). The phases do not
 * overlap, so the peak is the larger of the two. Features and scores live in files and do not
 * count, nor do the temporaries of one batch's gradient computation (the network's activations and
 * their gradients, model-dependent and freed before the batch is copied) or grad-cos's normalised
 * copy of the features.
 *
 * @param parameters P
 * @param projectionDim k
 * @param featurizeBytes peak while featurizing
 * @param kernelBytes peak while forming the kernel
 */
public record TrakMemory(
    long parameters, int projectionDim, long featurizeBytes, long kernelBytes) {

  /**
   * The largest k whose k × k kernel fits one Java array ({@link Kernel} holds it as {@code
   * double[k * k]}).
   */
  public static final int MAX_PROJECTION_DIM = (int) Math.sqrt(Integer.MAX_VALUE);

  /** The peak of the two phases. */
  public long peakBytes() {
    return Math.max(featurizeBytes, kernelBytes);
  }

  /**
   * The projectors {@link Trak#addModel} projects each model's gradients with, for a method that
   * featurizes (the others need no estimate): R, twice R with the stability replica (R = 1).
   */
  static int projectors(TrakSpec spec) {
    int r = Trak.projectionsPerModel(spec);
    return Trak.replicaProjection(spec, AttributionMethod.TRAK) ? 2 * r : r;
  }

  /** Examples whose gradients are gathered and projected at once (see {@link Trak#featurize}). */
  static int chunkExamples(long parameters, int batchSize, long bufferBytes) {
    long perExample = parameters * Float.BYTES;
    int batchesPerChunk =
        (int) Math.max(1, Math.min(1 << 16, bufferBytes / (perExample * batchSize)));
    return batchesPerChunk * batchSize;
  }

  /**
   * The estimate for P parameters under {@code spec} (its k, batch size and memory bounds).
   *
   * @param examples the most images featurized in one call (the training set's size), which caps
   *     the gradient chunk; {@link Long#MAX_VALUE} when unknown
   */
  public static TrakMemory estimate(long parameters, long examples, TrakSpec spec) {
    if (parameters <= 0 || examples <= 0) {
      throw new IllegalArgumentException(
          "P and the examples must be positive, got " + parameters + " and " + examples);
    }
    int k = spec.projection() == ProjectionKind.NONE ? (int) parameters : spec.projectionDim();
    long chunk =
        Math.min(examples, chunkExamples(parameters, spec.batchSize(), spec.gradientBufferBytes()));
    long gradientChunk = chunk * parameters * Float.BYTES;
    // One batch beside the chunk while it is copied in; a one-batch chunk is that batch.
    long batchBeside = chunk > spec.batchSize() ? spec.batchSize() * parameters * Float.BYTES : 0;
    long features = 2 * chunk * k * (long) Float.BYTES;
    long matrix = parameters * k * (long) Float.BYTES;
    int projectors = projectors(spec);
    long keptPerProjector; // from a projector's first chunk to the end of the model
    long whileProjecting; // freed when the projection returns
    if (spec.projection() == ProjectionKind.NONE) {
      keptPerProjector = 0;
      whileProjecting = 0;
    } else if (spec.projection() == ProjectionKind.SPARSE_JL) {
      long rows = SparseJlProjector.cachedBytes(parameters, k);
      if (rows <= spec.projectionCacheBytes()) {
        keptPerProjector = rows;
        whileProjecting = 0;
      } else {
        keptPerProjector = 0;
        whileProjecting = spec.projectionBlockBytes();
      }
    } else {
      long tileBytes = (long) RandomProjector.TILE_ROWS * k * Float.BYTES;
      long tiles = (parameters + RandomProjector.TILE_ROWS - 1) / RandomProjector.TILE_ROWS;
      long tilesPerBlock = Math.max(1, Math.min(tiles, spec.projectionBlockBytes() / tileBytes));
      long scratch = Math.min(tilesPerBlock * tileBytes, matrix);
      keptPerProjector = scratch + (matrix <= spec.projectionCacheBytes() ? matrix : 0);
      whileProjecting = 0;
    }
    long kept = projectors * keptPerProjector;
    long gathering = gradientChunk + batchBeside + kept;
    long projecting = gradientChunk + kept + whileProjecting + features;
    long kernel = 4L * k * k * Double.BYTES;
    return new TrakMemory(parameters, k, Math.max(gathering, projecting), kernel);
  }

  /**
   * Why this projection cannot run within {@code limitBytes}, or empty when it fits.
   *
   * @param where what is attributed, for the message (e.g. {@code "at layer3"})
   * @param limitName what the limit is, for the message (e.g. {@code "this machine's memory"})
   */
  public Optional<String> problem(String where, long limitBytes, String limitName) {
    if (projectionDim > MAX_PROJECTION_DIM) {
      return Optional.of(
          "k = "
              + projectionDim
              + " needs a k × k kernel of more entries than one Java array holds; use k <= "
              + MAX_PROJECTION_DIM);
    }
    if (peakBytes() <= limitBytes) {
      return Optional.empty();
    }
    return Optional.of(
        "TRAK "
            + where
            + " with k = "
            + projectionDim
            + " and P = "
            + parameters
            + " parameters needs about "
            + gigabytes(peakBytes())
            + " of memory, more than "
            + limitName
            + " ("
            + gigabytes(limitBytes)
            + "); lower the projection dimension");
  }

  /** Bytes as GB with one decimal, or whole MB below 1 GB (decimal units, as allocators count). */
  public static String gigabytes(long bytes) {
    return bytes >= 1e9
        ? String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)
        : String.format(Locale.ROOT, "%.0f MB", bytes / 1e6);
  }
}
