package io.conceptrace.core.data;

import io.conceptrace.core.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Subsets of a dataset that keep the source's ids: per-class fractions (ImageNet10p = 10 % of each
 * class), exclusion of listed ids (pruning), explicit index lists.
 */
public final class Subsets {
  private Subsets() {}

  /**
   * A seeded random {@code fraction} of every class (rounded, at least one image per non-empty
   * class), in source order.
   */
  public static ImageDataset perClassFraction(ImageDataset source, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be in (0, 1], got " + fraction);
    }
    int classes = source.classNames().size();
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < source.size(); i++) {
      byClass.get(source.label(i)).add(i);
    }
    List<Integer> chosen = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      List<Integer> members = byClass.get(c);
      if (members.isEmpty()) {
        continue;
      }
      // One stream per class: adding a class does not change the others' choices.
      SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + c);
      int[] idx = members.stream().mapToInt(Integer::intValue).toArray();
      for (int i = idx.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
      int keep = Math.max(1, (int) Math.round(fraction * idx.length));
      for (int i = 0; i < keep; i++) {
        chosen.add(idx[i]);
      }
    }
    int[] indices = chosen.stream().mapToInt(Integer::intValue).sorted().toArray();
    return new Subset(
        source, indices, source.name() + "[" + fraction + "/class, seed " + seed + "]");
  }

  /**
   * The source without the listed ids (order kept).
   *
   * @throws BadInputException if an id is not in the source (a prune list from another dataset)
   */
  public static ImageDataset excluding(ImageDataset source, Collection<String> ids) {
    Set<String> remove = new HashSet<>(ids);
    int[] kept = new int[source.size()];
    int n = 0;
    int removed = 0;
    for (int i = 0; i < source.size(); i++) {
      if (remove.contains(source.id(i))) {
        removed++;
      } else {
        kept[n++] = i;
      }
    }
    if (removed != remove.size()) {
      Set<String> present = new HashSet<>();
      for (int i = 0; i < source.size(); i++) {
        present.add(source.id(i));
      }
      List<String> unknown = remove.stream().filter(id -> !present.contains(id)).sorted().toList();
      throw new BadInputException(
          unknown.size()
              + " id(s) to exclude are not in "
              + source.name()
              + ", e.g. '"
              + unknown.get(0)
              + "'");
    }
    return new Subset(
        source, Arrays.copyOf(kept, n), source.name() + "[-" + removed + " excluded]");
  }

  /** The examples at {@code indices} of {@code source}, in that order. */
  public static ImageDataset ofIndices(ImageDataset source, int[] indices, String name) {
    for (int i : indices) {
      if (i < 0 || i >= source.size()) {
        throw new IndexOutOfBoundsException("index " + i + " of " + source.size());
      }
    }
    return new Subset(source, indices.clone(), name);
  }

  /** The first {@code n} examples (or all, if fewer). */
  public static ImageDataset first(ImageDataset source, int n) {
    int[] idx = new int[Math.min(n, source.size())];
    Arrays.setAll(idx, i -> i);
    return new Subset(source, idx, source.name() + "[:" + idx.length + "]");
  }

  /** A view of some of a source's examples; ids, labels and images are the source's. */
  private static final class Subset implements ImageDataset {
    private final ImageDataset source;
    private final int[] indices;
    private final String name;

    Subset(ImageDataset source, int[] indices, String name) {
      this.source = source;
      this.indices = indices;
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int size() {
      return indices.length;
    }

    @Override
    public Example get(int index) {
      return source.get(indices[index]);
    }

    @Override
    public int label(int index) {
      return source.label(indices[index]);
    }

    @Override
    public String id(int index) {
      return source.id(indices[index]);
    }

    @Override
    public List<String> classNames() {
      return source.classNames();
    }

    @Override
    public int channels() {
      return source.channels();
    }

    @Override
    public int imageSize() {
      return source.imageSize();
    }
  }
}
