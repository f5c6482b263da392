package io.conceptrace.core.trak;

/** How per-example gradients are compressed before the kernel is formed. */
public enum ProjectionKind {
  /** No projection: features are the raw gradients (k = P). Exact, only for small P. */
  NONE,
  /** i.i.d. N(0, 1) entries (TRAK's default). */
  GAUSSIAN,
  /** i.i.d. ±1 entries: cheaper to generate, same Johnson–Lindenstrauss guarantee. */
  RADEMACHER
}
