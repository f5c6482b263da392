package io.conceptrace.core.trak;

import io.conceptrace.core.io.Npy;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The files one attribution (concept, layer, sparsity) leaves behind.
 *
 * @param scores {@code scores.npy}: τ, float32, n_train × n_targets
 * @param importance {@code importance.npy}: Eq. (1), float64, n_train
 * @param ranking {@code ranking.csv}: rank, example id, class, score (most important first)
 * @param top {@code top-k.txt}: ids of the k most important training images, one per line
 * @param bottom {@code bottom-k.txt}: ids of the k least important, least important first
 */
public record TrakOutputs(Path scores, Path importance, Path ranking, Path top, Path bottom) {

  /** One ranked training image. */
  public record Ranked(int rank, String id, String className, double score) {}

  /**
   * The training images ordered by Eq. (1), highest first; ties keep dataset order.
   *
   * @param ids example ids in featurization order
   * @param classNames class name of each example, in the same order
   */
  public static List<Ranked> rank(double[] importance, List<String> ids, List<String> classNames) {
    if (ids.size() != importance.length || classNames.size() != importance.length) {
      throw new IllegalArgumentException(
          importance.length
              + " scores but "
              + ids.size()
              + " ids and "
              + classNames.size()
              + " classes");
    }
    int[] order =
        IntStream.range(0, importance.length)
            .boxed()
            .sorted(Comparator.comparingDouble((Integer i) -> -importance[i]))
            .mapToInt(Integer::intValue)
            .toArray();
    List<Ranked> out = new ArrayList<>(order.length);
    for (int r = 0; r < order.length; r++) {
      int i = order[r];
      out.add(new Ranked(r + 1, ids.get(i), classNames.get(i), importance[i]));
    }
    return out;
  }

  /** Writes all outputs into {@code dir}; the raw τ file of the result is left in place. */
  public static TrakOutputs write(
      Path dir, Trak.Result result, List<String> ids, List<String> classNames, int topK) {
    try {
      Files.createDirectories(dir);
      TrakOutputs out =
          new TrakOutputs(
              dir.resolve("scores.npy"),
              dir.resolve("importance.npy"),
              dir.resolve("ranking.csv"),
              dir.resolve("top-k.txt"),
              dir.resolve("bottom-k.txt"));
      writeScores(out.scores, result);
      Npy.writeFloat64(out.importance, result.importance(), result.importance().length);
      List<Ranked> ranked = rank(result.importance(), ids, classNames);
      try (BufferedWriter w = Files.newBufferedWriter(out.ranking)) {
        w.write("rank,example_id,class,score\n");
        for (Ranked r : ranked) {
          w.write(r.rank() + "," + csv(r.id()) + "," + csv(r.className()) + "," + r.score() + "\n");
        }
      }
      int k = Math.min(topK, ranked.size());
      List<String> top = ranked.subList(0, k).stream().map(Ranked::id).toList();
      List<String> bottom = new ArrayList<>();
      for (int i = ranked.size() - 1; i >= ranked.size() - k; i--) {
        bottom.add(ranked.get(i).id());
      }
      Files.write(out.top, top);
      Files.write(out.bottom, bottom);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write attribution outputs to " + dir, e);
    }
  }

  /** Streams the raw τ file into a .npy block by block (the matrix never sits in the heap). */
  private static void writeScores(Path file, Trak.Result result) {
    try (FeatureStore tau = FeatureStore.open(result.scores(), result.targetSize());
        Npy.FloatWriter w = Npy.openFloat32(file, result.trainSize(), result.targetSize())) {
      int block = tau.rowsPerBlock(16 * TrakSpec.MIB);
      for (long start = 0; start < tau.rows(); start += block) {
        int count = (int) Math.min(block, tau.rows() - start);
        float[] rows = tau.readRows(start, count);
        w.write(rows, 0, rows.length);
      }
    }
  }

  /** RFC 4180 quoting for ids that contain commas, quotes or line breaks. */
  private static String csv(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
