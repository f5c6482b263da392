package io.conceptrace.core.trak;

/** How per-example gradients are compressed before the kernel is formed. */
public enum ProjectionKind {
  /** No projection: features are the raw gradients (k = P). Exact, only for small P. */
  NONE,
  /** i.i.d. N(0, 1) entries (TRAK's default). */
  GAUSSIAN,
  /** i.i.d. ±1 entries: cheaper to generate, same Johnson–Lindenstrauss guarantee. */
  RADEMACHER,
  /**
   * Sparse Johnson–Lindenstrauss: s = {@link SparseJlProjector#NONZEROS} entries ±1/√s per gradient
   * coordinate, hashed from (seed, coordinate), never stored: O(P·s) per image instead of O(P·k).
   */
  SPARSE_JL
}
