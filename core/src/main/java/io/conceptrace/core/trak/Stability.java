package io.conceptrace.core.trak;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How reproducible one attribution's importance ranking is: the same estimator recomputed with an
 * independent second projection (another seed per model), and split-half over the ensemble (the
 * first ⌈M/2⌉ models against the rest). Spearman's ρ over all training images, and the overlap of
 * the top-k sets |top_k(a) ∩ top_k(b)| / k for the given sizes and 100. A ranking whose top-k sets
 * change with the projection seed is mostly projection noise, and so is any verdict drawn from
 * removing them.
 *
 * @param projectionSpearman ρ between the importance and its second-projection replica (1 with no
 *     projection); with R ≥ 2 projections per model, the Spearman–Brown prediction 2ρ_h/(1+ρ_h)
 *     from the ρ_h between the first and second half of the projections (no replica needed)
 * @param projectionOverlap top-k overlap with the replica, per k (ascending)
 * @param splitHalfSpearman ρ between the halves' importances; NaN with one model
 * @param splitHalfOverlap top-k overlap between the halves, per k (empty with one model)
 * @param cpuSeconds process CPU time spent on the replica projection, kernel and scores
 */
public record Stability(
    double projectionSpearman,
    Map<Integer, Double> projectionOverlap,
    double splitHalfSpearman,
    Map<Integer, Double> splitHalfOverlap,
    double cpuSeconds) {

  /** Below this ρ a cell's ranking is called unstable (one warning line names the knobs). */
  public static final double WARN_BELOW = 0.8;

  public Stability {
    projectionOverlap = Map.copyOf(projectionOverlap);
    splitHalfOverlap = Map.copyOf(splitHalfOverlap);
  }

  /** The figures of one attribution result, for the given top-k sizes (100 is always added). */
  public static Stability of(Trak.Result result, List<Integer> sizes) {
    int[] ks =
        IntStream.concat(sizes.stream().mapToInt(Integer::intValue), IntStream.of(100))
            .filter(k -> k > 0 && k < result.trainSize())
            .distinct()
            .sorted()
            .toArray();
    double[] a = result.importance();
    double[] replica = result.replicaImportance();
    double seedRho;
    Map<Integer, Double> projection = new LinkedHashMap<>();
    Map<Integer, Double> halves = new LinkedHashMap<>();
    if (result.projectionHalves().size() == 2) {
      // R ≥ 2 projections: the halves are two independent R/2-projection estimates; Spearman–Brown
      // predicts the agreement of two independent R-projection estimates from theirs. Overlaps are
      // the halves' own (a lower bound for the full R).
      double[] p0 = result.projectionHalves().get(0);
      double[] p1 = result.projectionHalves().get(1);
      double rho = RankCorrelation.spearman(p0, p1);
      seedRho = spearmanBrown(rho);
      for (int k : ks) {
        projection.put(k, topOverlap(p0, p1, k));
      }
    } else {
      seedRho = RankCorrelation.spearman(a, replica);
      for (int k : ks) {
        projection.put(k, topOverlap(a, replica, k));
      }
    }
    double split = Double.NaN;
    if (result.halfImportance().size() == 2) {
      double[] h0 = result.halfImportance().get(0);
      double[] h1 = result.halfImportance().get(1);
      split = RankCorrelation.spearman(h0, h1);
      for (int k : ks) {
        halves.put(k, topOverlap(h0, h1, k));
      }
    }
    return new Stability(seedRho, projection, split, halves, result.replicaCpuSeconds());
  }

  /** The reliability of a mean of two parallel halves whose correlation is ρ: 2ρ / (1 + ρ). */
  static double spearmanBrown(double rho) {
    return rho <= -1 ? -1 : 2 * rho / (1 + rho);
  }

  /** |top_k(a) ∩ top_k(b)| / k; ties broken by index, like the ranking's dataset order. */
  public static double topOverlap(double[] a, double[] b, int k) {
    if (a.length != b.length || k <= 0 || k > a.length) {
      throw new IllegalArgumentException("top-" + k + " of vectors of length " + a.length);
    }
    boolean[] inA = new boolean[a.length];
    for (int i : top(a, k)) {
      inA[i] = true;
    }
    int common = 0;
    for (int i : top(b, k)) {
      common += inA[i] ? 1 : 0;
    }
    return common / (double) k;
  }

  private static int[] top(double[] v, int k) {
    return IntStream.range(0, v.length)
        .boxed()
        .sorted((i, j) -> v[i] != v[j] ? Double.compare(v[j], v[i]) : Integer.compare(i, j))
        .limit(k)
        .mapToInt(Integer::intValue)
        .toArray();
  }

  /** Whether either figure is below {@link #WARN_BELOW}. */
  public boolean unstable() {
    return projectionSpearman < WARN_BELOW
        || (!Double.isNaN(splitHalfSpearman) && splitHalfSpearman < WARN_BELOW);
  }

  /**
   * The figures below {@link #WARN_BELOW}, to three decimals so that the reason is visible where
   * {@link #describe()} rounds (a split-half ρ of 0.797 reads 0.80 there), e.g. "split-half ρ 0.797
   * < 0.8"; empty when stable.
   */
  public String whyUnstable() {
    List<String> low = new ArrayList<>();
    if (projectionSpearman < WARN_BELOW) {
      low.add(String.format(Locale.ROOT, "seed ρ %.3f < %s", projectionSpearman, WARN_BELOW));
    }
    if (!Double.isNaN(splitHalfSpearman) && splitHalfSpearman < WARN_BELOW) {
      low.add(String.format(Locale.ROOT, "split-half ρ %.3f < %s", splitHalfSpearman, WARN_BELOW));
    }
    return String.join(", ", low);
  }

  /** One line for the log and the summary, e.g. "ρ(seed) 0.93, top-100 81 %; ρ(halves) 0.71". */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append(String.format("seed ρ %.2f", projectionSpearman));
    projectionOverlap.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> s.append(String.format(", top-%d %.0f%%", e.getKey(), 100 * e.getValue())));
    if (!Double.isNaN(splitHalfSpearman)) {
      s.append(String.format("; split-half ρ %.2f", splitHalfSpearman));
    }
    return s.toString();
  }
}
