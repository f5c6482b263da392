package io.conceptrace.core.trak;

/**
 * Settings of one TRAK attribution.
 *
 * @param projection projection kind; {@link ProjectionKind#NONE} uses the raw gradients (k = P)
 * @param projectionDim k (ignored with NONE). 2048 on GPU-sized runs; a few hundred for quick runs
 * @param projectionSeed seed of model 0's projection; model m uses a seed derived from (seed, m)
 * @param ridge λ relative to the mean diagonal of ΦᵀΦ (see {@link Kernel}); must be positive when
 *     there are fewer training images than features
 * @param ensembleMode PLAIN (default) or the reference-compatible TRAKER rescaling
 * @param parameters which parameters θ are attributed
 * @param batchSize examples per gradient batch (memory ≈ batchSize × P floats, twice)
 * @param gradientBufferBytes gradients of several batches are gathered up to this size and
 *     projected together, so that a projection matrix regenerated per call is amortised over many
 *     examples (memory ≈ this bound)
 * @param projectionBlockBytes the largest slice of a projection matrix held at once
 * @param projectionCacheBytes projection matrices up to this size are generated once per model
 * @param topK how many top and bottom ids the outputs list for image grids
 * @param projections R, independent projections per model whose scores are averaged (more is less
 *     projection noise: the importance's seed-to-seed variance falls as 1/R, for R times the
 *     projection, kernel and score cost but the same gradients)
 */
public record TrakSpec(
    ProjectionKind projection,
    int projectionDim,
    long projectionSeed,
    double ridge,
    EnsembleMode ensembleMode,
    ParameterGroups parameters,
    int batchSize,
    long gradientBufferBytes,
    long projectionBlockBytes,
    long projectionCacheBytes,
    int topK,
    int projections) {

  public static final long MIB = 1L << 20;

  public TrakSpec {
    if (projection != ProjectionKind.NONE && projectionDim <= 0) {
      throw new IllegalArgumentException(
          "projection dimension must be positive, got " + projectionDim);
    }
    if (!(ridge >= 0)) {
      throw new IllegalArgumentException("ridge must be >= 0, got " + ridge);
    }
    if (projections < 1) {
      throw new IllegalArgumentException("projections per model must be >= 1, got " + projections);
    }
    if (batchSize <= 0 || topK < 0) {
      throw new IllegalArgumentException("batch size must be positive and top-k >= 0");
    }
    if (projectionBlockBytes <= 0 || gradientBufferBytes <= 0) {
      throw new IllegalArgumentException(
          "projection block and gradient buffer bytes must be positive");
    }
  }

  /**
   * The study defaults of the experiment language ({@code attribution.*} in the dsl's {@code
   * defaults.conf}, which a runner test holds this equal to): sparse Johnson–Lindenstrauss
   * projection to k dimensions, seed 0, no ridge, the reference (traker) ensemble rescaling, all
   * parameters, batches of 64; gathered up to 1 GiB per projection, 256 MiB projection blocks,
   * matrices up to 1 GiB cached, top/bottom 100.
   */
  public static TrakSpec defaults(int projectionDim) {
    return new TrakSpec(
        ProjectionKind.SPARSE_JL,
        projectionDim,
        0L,
        0.0,
        EnsembleMode.TRAKER,
        ParameterGroups.ALL,
        64,
        1024 * MIB,
        256 * MIB,
        1024 * MIB,
        100,
        1);
  }

  public TrakSpec withProjection(ProjectionKind kind, int dim, long seed) {
    return new TrakSpec(
        kind,
        dim,
        seed,
        ridge,
        ensembleMode,
        parameters,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withRidge(double value) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        value,
        ensembleMode,
        parameters,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withEnsembleMode(EnsembleMode mode) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        mode,
        parameters,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withParameters(ParameterGroups groups) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        ensembleMode,
        groups,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withBatchSize(int size) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        ensembleMode,
        parameters,
        size,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withGradientBufferBytes(long bytes) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        ensembleMode,
        parameters,
        batchSize,
        bytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        projections);
  }

  public TrakSpec withTopK(int k) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        ensembleMode,
        parameters,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        k,
        projections);
  }

  public TrakSpec withProjections(int r) {
    return new TrakSpec(
        projection,
        projectionDim,
        projectionSeed,
        ridge,
        ensembleMode,
        parameters,
        batchSize,
        gradientBufferBytes,
        projectionBlockBytes,
        projectionCacheBytes,
        topK,
        r);
  }

  /** The seed of member m's projection r (r = 0 is {@link #seedOfModel}). */
  public long seedOfModel(int m, int r) {
    return r == 0 ? seedOfModel(m) : RandomProjector.mix(seedOfModel(m), 0xA11L + r);
  }

  /** The seed of member m's replica projection r (r = 0 is {@link #replicaSeedOfModel}). */
  public long replicaSeedOfModel(int m, int r) {
    return r == 0 ? replicaSeedOfModel(m) : RandomProjector.mix(replicaSeedOfModel(m), 0xA11L + r);
  }

  /** The projection seed of ensemble member m. */
  public long seedOfModel(int m) {
    return RandomProjector.mix(projectionSeed, 0x7A4B000L + m);
  }

  /** The seed of member m's second, independent projection (the stability replica). */
  public long replicaSeedOfModel(int m) {
    return RandomProjector.mix(projectionSeed, 0x5EED000L + m);
  }
}
