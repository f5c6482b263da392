package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrakMemoryTest {
  private static final long MIB = TrakSpec.MIB;

  /** The dense kind these estimates were worked out for (the default is sparse-jl). */
  private static TrakSpec gaussian(int k) {
    return TrakSpec.defaults(k).withProjection(ProjectionKind.GAUSSIAN, k, 0);
  }

  @Test
  void sparseJlKeepsNoMatrixAndHoldsOneBlockOfItsHashedRowsWhileProjecting() {
    // P = 1000, k = 512, 2,000 images in one chunk (as the gaussian case below), sparse-jl with
    // the stability replica: each of the two projectors keeps R's hashed rows (P · 8 nonzeros ·
    // (column + entry) = 64 kB), which the chunk and its features join while projecting.
    TrakSpec spec = TrakSpec.defaults(512).withBatchSize(64);
    assertThat(spec.projection()).isEqualTo(ProjectionKind.SPARSE_JL);
    TrakMemory m = TrakMemory.estimate(1000, 2000, spec);
    long chunk = 2000L * 1000 * 4;
    long batchBeside = 64L * 1000 * 4;
    long features = 2L * 2000 * 512 * 4;
    long hashedRows = 1000L * 8 * 8;
    assertThat(m.featurizeBytes())
        .isEqualTo(Math.max(chunk + batchBeside, chunk + features) + 2 * hashedRows);
    // rows over the cache bound are regenerated per call, one block at a time
    TrakSpec uncached =
        new TrakSpec(
            spec.projection(),
            spec.projectionDim(),
            spec.projectionSeed(),
            spec.ridge(),
            spec.ensembleMode(),
            spec.parameters(),
            spec.batchSize(),
            spec.gradientBufferBytes(),
            spec.projectionBlockBytes(),
            1000,
            spec.topK(),
            spec.projections());
    assertThat(TrakMemory.estimate(1000, 2000, uncached).featurizeBytes())
        .isEqualTo(Math.max(chunk + batchBeside, chunk + spec.projectionBlockBytes() + features));
    // the dense kind keeps the 2 MB matrix (and its generation buffer) per projector
    assertThat(TrakMemory.estimate(1000, 2000, gaussian(512).withBatchSize(64)).featurizeBytes())
        .isGreaterThan(m.featurizeBytes());
  }

  @Test
  void aSmallProjectionIsBoundedByTheTrainingSetAndCachesItsMatrix() {
    // P = 1000, k = 512, batches of 64 over 2,000 images: the 1 GiB gradient buffer would hold
    // 268,416 examples, so the chunk is the whole training set, held once. With one projection
    // per model there are two projectors (the stability replica's seeds too), each keeping its
    // cached matrix and the direct buffer it was generated in; projecting adds the features
    // twice, more than the one batch held beside the chunk while it was gathered.
    TrakMemory m = TrakMemory.estimate(1000, 2000, gaussian(512).withBatchSize(64));
    long gradients = 2000L * 1000 * 4;
    long features = 2L * 2000 * 512 * 4;
    long matrix = 1000L * 512 * 4; // under the 1 GiB cache bound: held whole
    assertThat(TrakMemory.projectors(gaussian(512))).isEqualTo(2);
    assertThat(m.featurizeBytes()).isEqualTo(gradients + 2 * 2 * matrix + features);
    assertThat(m.kernelBytes()).isEqualTo(4L * 512 * 512 * 8);
    assertThat(m.peakBytes()).isEqualTo(m.featurizeBytes());
    assertThat(m.problem("at layer1", 1L << 30, "this machine's memory")).isEmpty();
  }

  @Test
  void everyProjectorKeepsItsMatrixAndItsBuffer() {
    // R = 8 projections per model: eight projectors and no replica; each keeps 2 × P · k floats.
    TrakSpec eight = gaussian(512).withBatchSize(64).withProjections(8);
    assertThat(TrakMemory.projectors(eight)).isEqualTo(8);
    TrakMemory m = TrakMemory.estimate(1000, 2000, eight);
    long matrix = 1000L * 512 * 4;
    assertThat(m.featurizeBytes())
        .isEqualTo(2000L * 1000 * 4 + 8 * 2 * matrix + 2L * 2000 * 512 * 4);
    // Without a projection the gradients are the features: one "projector", nothing kept.
    TrakSpec none = gaussian(512).withProjection(ProjectionKind.NONE, 0, 0);
    assertThat(TrakMemory.projectors(none)).isEqualTo(1);
    assertThat(TrakMemory.estimate(1000, 2000, none).featurizeBytes())
        .isEqualTo(2000L * 1000 * 4 + 2L * 2000 * 1000 * 4);
  }

  @Test
  void aLargeProjectionIsGeneratedInBlocksAndItsKernelDominates() {
    // P = 10^6 and k = 40,000: R is 160 GB, so it is generated in blocks of whole 256-row tiles
    // within 256 MiB (one tile is 256 · 40,000 · 4 bytes = 40.96 MB, so 6 tiles per block); each
    // of the two projectors keeps its one block's buffer. The batch held beside the chunk while
    // gathering (128 MB) is more than the chunk's features while projecting (82 MB).
    TrakMemory m =
        TrakMemory.estimate(1_000_000, Long.MAX_VALUE, gaussian(40_000).withBatchSize(32));
    long tile = 256L * 40_000 * 4;
    long chunk = 32L * (1024 * MIB / (1_000_000L * 4 * 32)); // 8 batches of 32
    long featurize = (chunk + 32) * 1_000_000 * 4 + 2 * (256 * MIB / tile) * tile;
    assertThat(m.featurizeBytes()).isEqualTo(featurize);
    assertThat(m.kernelBytes()).isEqualTo(4L * 40_000 * 40_000 * 8);
    assertThat(m.problem("at layer3", 16_000_000_000L, "this machine's memory"))
        .contains(
            "TRAK at layer3 with k = 40000 and P = 1000000 parameters needs about 51.2 GB of"
                + " memory, more than this machine's memory (16.0 GB); lower the projection"
                + " dimension");
    assertThat(m.problem("at layer3", 64_000_000_000L, "this machine's memory")).isEmpty();
  }

  @Test
  void whileGatheringTheChunkHoldsOneBatchBesideItAndTheKeptMatrices() {
    // P = 100,000, k = 16, batches of 32 over 64 images: one chunk of two batches. Gathering holds
    // the chunk (25.6 MB), the batch being copied in (12.8 MB) and what the two projectors keep
    // from the first chunk on (2 × 2 × 6.4 MB); projecting holds the features (8 KB) instead of
    // the batch: less.
    TrakMemory m = TrakMemory.estimate(100_000, 64, gaussian(16).withBatchSize(32));
    long chunk = 64L * 100_000 * 4;
    long batch = 32L * 100_000 * 4;
    long matrix = 100_000L * 16 * 4;
    assertThat(m.featurizeBytes()).isEqualTo(chunk + batch + 2 * 2 * matrix);

    // A chunk of one batch is that batch's array: nothing beside it.
    TrakMemory one = TrakMemory.estimate(100_000, 32, gaussian(16).withBatchSize(32));
    assertThat(one.featurizeBytes()).isEqualTo(batch + 2 * 2 * matrix + 2L * 32 * 16 * 4);
  }

  @Test
  void aKernelLargerThanOneJavaArrayIsRejectedWhateverTheMemory() {
    TrakMemory m = TrakMemory.estimate(100, 10, gaussian(46_341));
    assertThat(m.problem("at layer1", Long.MAX_VALUE, "x"))
        .contains(
            "k = 46341 needs a k × k kernel of more entries than one Java array holds;"
                + " use k <= 46340");
    assertThat(TrakMemory.MAX_PROJECTION_DIM * (long) TrakMemory.MAX_PROJECTION_DIM)
        .isLessThanOrEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void theChunkIsTheOneTrakFeaturizesWith() {
    // 1 GiB / (P · 4 bytes · 32) whole batches, at least one, at most 65,536.
    assertThat(TrakMemory.chunkExamples(1000, 32, 1024 * MIB)).isEqualTo(32 * 8388);
    assertThat(TrakMemory.chunkExamples(100_000_000, 32, 1024 * MIB)).isEqualTo(32);
    assertThat(TrakMemory.chunkExamples(1, 1, 1024 * MIB)).isEqualTo(1 << 16);
  }
}
