package io.conceptrace.core.concept;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ConceptSplit.Member;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A concept's probe training set and test set, built as in the paper (§3): the positives of the
 * base training set plus an equal number of random (seeded) non-positive base training images; the
 * test split likewise from the base validation set. A relative concept (Appendix D) takes concept
 * A's positives against concept B's, subsampling the larger side.
 *
 * <p>Balancing rules, each reported in {@link #notes()}: when there are more positives than
 * non-positives, the positives are subsampled to match; {@code optMaxPositives} caps the positives
 * of each split (seeded subsample).
 */
public final class ConceptSet {
  /** The sizes of both splits, for reports and tracking. */
  public record Sizes(
      int trainPositives, int trainNegatives, int testPositives, int testNegatives) {
    @Override
    public String toString() {
      return "train "
          + trainPositives
          + " positive + "
          + trainNegatives
          + " negative, test "
          + testPositives
          + " positive + "
          + testNegatives
          + " negative";
    }
  }

  private final String name;
  private final ConceptSpec spec;
  private final ConceptSplit train;
  private final ConceptSplit test;
  private final List<String> notes;

  private ConceptSet(
      String name, ConceptSpec spec, ConceptSplit train, ConceptSplit test, List<String> notes) {
    this.name = name;
    this.spec = spec;
    this.train = train;
    this.test = test;
    this.notes = List.copyOf(notes);
  }

  public static Builder builder() {
    return new Builder();
  }

  public String name() {
    return name;
  }

  public ConceptSpec spec() {
    return spec;
  }

  /** The probe training split (from the base training set). */
  public ConceptSplit train() {
    return train;
  }

  /** The probe test/validation split (from the base validation set). */
  public ConceptSplit test() {
    return test;
  }

  public Sizes sizes() {
    return new Sizes(train.positives(), train.negatives(), test.positives(), test.negatives());
  }

  /** What was subsampled or left out while balancing, one sentence each. */
  public List<String> notes() {
    return notes;
  }

  @Override
  public String toString() {
    return "concept '" + name + "' (" + spec.describe() + "): " + sizes();
  }

  /** Builds a {@link ConceptSet}; {@code set*} values are required, {@code opt*} optional. */
  public static final class Builder {
    private String name;
    private ConceptSpec spec;
    private ImageDataset trainSource;
    private ImageDataset testSource;
    private long seed;
    private int maxPositives = Integer.MAX_VALUE;
    private double folderTestFraction = 0.2;

    private Builder() {}

    /** The concept's name, used in messages and split names. */
    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    public Builder setSpec(ConceptSpec spec) {
      this.spec = spec;
      return this;
    }

    /** The base model's training set (probe training split source). */
    public Builder setTrainSource(ImageDataset trainSource) {
      this.trainSource = trainSource;
      return this;
    }

    /** The base model's validation set (probe test split source). */
    public Builder setTestSource(ImageDataset testSource) {
      this.testSource = testSource;
      return this;
    }

    /** Seed of the negative sampling and every subsample (default 0). */
    public Builder optSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** At most this many positives per split (default: all). */
    public Builder optMaxPositives(int maxPositives) {
      if (maxPositives < 1) {
        throw new IllegalArgumentException("maxPositives must be >= 1, got " + maxPositives);
      }
      this.maxPositives = maxPositives;
      return this;
    }

    /**
     * For a positive folder without {@code train}/{@code val} sub-folders: the fraction of its
     * images held out for the test split (default 0.2).
     */
    public Builder optFolderTestFraction(double fraction) {
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException(
            "folder test fraction must be in (0, 1), got " + fraction);
      }
      this.folderTestFraction = fraction;
      return this;
    }

    /**
     * Scans the sources, samples and balances.
     *
     * @throws BadInputException if a split would have no positives or no negatives, a class index
     *     is out of range, or a concept folder is missing or unreadable
     */
    public ConceptSet build() {
      Objects.requireNonNull(name, "You must set the concept name (setName)");
      Objects.requireNonNull(spec, "You must set the concept spec (setSpec)");
      Objects.requireNonNull(trainSource, "You must set the base training set (setTrainSource)");
      Objects.requireNonNull(testSource, "You must set the base validation set (setTestSource)");
      List<String> notes = new ArrayList<>();
      FolderSplits folders = folderSplits(spec, notes);
      ConceptSplit train = split("train", trainSource, folders, true, seed * 2 + 1, notes);
      ConceptSplit test = split("test", testSource, folders, false, seed * 2 + 2, notes);
      return new ConceptSet(name, spec, train, test, notes);
    }

    private ConceptSplit split(
        String splitName,
        ImageDataset source,
        FolderSplits folders,
        boolean isTrain,
        long splitSeed,
        List<String> notes) {
      Random random = new Random(splitSeed);
      String where = "concept '" + name + "' " + splitName + " split";
      Scan scan = new Scan(source);
      List<Member> members = new ArrayList<>();
      if (spec instanceof ConceptSpec.Relative rel) {
        List<Member> a = positives(rel.a(), scan, folders, isTrain, where);
        List<Member> b = positives(rel.b(), scan, folders, isTrain, where);
        Set<String> aIds = idsOf(a);
        Set<String> both = new HashSet<>(aIds);
        both.retainAll(idsOf(b));
        if (!both.isEmpty()) {
          a = a.stream().filter(m -> !both.contains(m.id())).toList();
          b = b.stream().filter(m -> !both.contains(m.id())).toList();
          notes.add(
              splitName + ": " + both.size() + " images are positives of both sides; left out");
        }
        require(!a.isEmpty(), where + ": no images of " + rel.a().describe() + " (side A)");
        require(!b.isEmpty(), where + ": no images of " + rel.b().describe() + " (side B)");
        int n = Math.min(Math.min(a.size(), b.size()), maxPositives);
        members.addAll(sample(a, n, random, true, splitName + " side A", notes));
        members.addAll(sample(b, n, random, false, splitName + " side B", notes));
      } else {
        List<Member> pos = positives(spec, scan, folders, isTrain, where);
        require(
            !pos.isEmpty(),
            where + ": no positive examples of " + spec.describe() + " in " + source.name());
        Set<String> posIds = idsOf(pos);
        List<Member> rest = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
          if (!posIds.contains(scan.id(i))) {
            rest.add(new Member(source, i, scan.id(i), false));
          }
        }
        require(
            !rest.isEmpty(),
            where
                + ": every image of "
                + source.name()
                + " is a positive of "
                + spec.describe()
                + ", so there are no negatives to compare with");
        int n = Math.min(Math.min(pos.size(), rest.size()), maxPositives);
        members.addAll(sample(pos, n, random, true, splitName + " positives", notes));
        members.addAll(sample(rest, n, random, false, null, notes));
      }
      return new ConceptSplit(name + "/" + splitName, members, source);
    }

    private List<Member> positives(
        ConceptSpec plain, Scan scan, FolderSplits folders, boolean isTrain, String where) {
      List<Member> out = new ArrayList<>();
      ImageDataset source = scan.source;
      if (plain instanceof ConceptSpec.ClassSubset cs) {
        int classes = source.classNames().size();
        for (int c : cs.classes()) {
          if (classes > 0 && (c < 0 || c >= classes)) {
            throw new BadInputException(
                where
                    + ": class index "
                    + c
                    + " is out of range for "
                    + source.name()
                    + " (0.."
                    + (classes - 1)
                    + ")");
          }
        }
        Set<Integer> wanted = Set.copyOf(cs.classes());
        for (int i = 0; i < source.size(); i++) {
          if (wanted.contains(scan.label(i))) {
            out.add(new Member(source, i, scan.id(i), true));
          }
        }
      } else if (plain instanceof ConceptSpec.PredicateConcept pc) {
        for (int i = 0; i < source.size(); i++) {
          Example e = scan.example(i);
          if (pc.predicate().test(new ImageView(e.id(), e.label(), e.image()))) {
            out.add(new Member(source, i, e.id(), true));
          }
        }
      } else if (plain instanceof ConceptSpec.TopActivating ta) {
        int scored = isTrain ? ta.trainScores().length : ta.testScores().length;
        if (scored != source.size()) {
          throw new IllegalStateException(
              where
                  + ": "
                  + scored
                  + " scores for the "
                  + source.size()
                  + " images of "
                  + source.name());
        }
        for (int i = 0; i < source.size(); i++) {
          if (ta.positive(isTrain, i)) {
            out.add(new Member(source, i, scan.id(i), true));
          }
        }
      } else if (plain instanceof ConceptSpec.PositiveFolder pf) {
        FolderImages images = folders.images(pf, isTrain);
        int[] indices = isTrain ? folders.trainIndices(pf) : folders.testIndices(pf);
        for (int i : indices) {
          out.add(new Member(images, i, images.id(i), true));
        }
      } else {
        throw new IllegalStateException("not a plain concept: " + plain);
      }
      return out;
    }

    /**
     * {@code n} members drawn at random without replacement, kept in their original order, with the
     * given concept label; notes a subsample when {@code what} is not null.
     */
    private static List<Member> sample(
        List<Member> from,
        int n,
        Random random,
        boolean positive,
        String what,
        List<String> notes) {
      int[] order = new int[from.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      for (int i = 0; i < n; i++) {
        int j = i + random.nextInt(order.length - i);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      int[] chosen = Arrays.copyOf(order, n);
      Arrays.sort(chosen);
      if (what != null && n < from.size()) {
        notes.add(what + " subsampled from " + from.size() + " to " + n);
      }
      List<Member> out = new ArrayList<>(n);
      for (int i : chosen) {
        Member m = from.get(i);
        out.add(new Member(m.source(), m.index(), m.id(), positive));
      }
      return out;
    }

    private static Set<String> idsOf(List<Member> members) {
      Set<String> ids = new HashSet<>();
      for (Member m : members) {
        ids.add(m.id());
      }
      return ids;
    }

    private static void require(boolean ok, String message) {
      if (!ok) {
        throw new BadInputException(message);
      }
    }

    /** Positive folders of the spec, listed once and split into train/test indices. */
    private FolderSplits folderSplits(ConceptSpec s, List<String> notes) {
      FolderSplits out = new FolderSplits();
      List<ConceptSpec> plain =
          s instanceof ConceptSpec.Relative r ? List.of(r.a(), r.b()) : List.of(s);
      long folderSeed = seed * 2 + 3;
      for (ConceptSpec p : plain) {
        if (p instanceof ConceptSpec.PositiveFolder pf) {
          out.add(pf, trainSource, folderTestFraction, new Random(folderSeed++), notes);
        }
      }
      return out;
    }
  }

  /**
   * Ids and labels of a base source, read once through {@link ImageDataset#id} and {@link
   * ImageDataset#label} (which sources answer without decoding the image), and the full example
   * only for predicates.
   */
  private static final class Scan {
    final ImageDataset source;
    private final String[] ids;

    Scan(ImageDataset source) {
      this.source = source;
      this.ids = new String[source.size()];
    }

    Example example(int i) {
      Example e = source.get(i);
      ids[i] = e.id();
      return e;
    }

    String id(int i) {
      if (ids[i] == null) {
        ids[i] = source.id(i);
      }
      return ids[i];
    }

    int label(int i) {
      return source.label(i);
    }
  }

  /** The folders of a spec: their images and which indices go to which split. */
  private static final class FolderSplits {
    private final List<ConceptSpec.PositiveFolder> specs = new ArrayList<>();
    private final List<FolderImages> trainImages = new ArrayList<>();
    private final List<FolderImages> testImages = new ArrayList<>();
    private final List<int[]> trainIdx = new ArrayList<>();
    private final List<int[]> testIdx = new ArrayList<>();

    void add(
        ConceptSpec.PositiveFolder pf,
        ImageDataset shape,
        double testFraction,
        Random random,
        List<String> notes) {
      Path dir = pf.dir();
      Path trainDir = dir.resolve("train");
      Path valDir =
          Files.isDirectory(dir.resolve("val")) ? dir.resolve("val") : dir.resolve("test");
      specs.add(pf);
      boolean subFolders = Files.isDirectory(trainDir) && Files.isDirectory(valDir);
      if (pf.testDir().isPresent() || subFolders) {
        FolderImages tr = FolderImages.of(pf.testDir().isPresent() ? dir : trainDir, shape);
        FolderImages te = FolderImages.of(pf.testDir().orElse(valDir), shape);
        checkReadable(tr);
        checkReadable(te);
        trainImages.add(tr);
        testImages.add(te);
        trainIdx.add(range(tr.size()));
        testIdx.add(range(te.size()));
        return;
      }
      FolderImages all = FolderImages.of(dir, shape);
      checkReadable(all);
      if (all.size() < 2) {
        throw new BadInputException(
            dir + ": a concept folder needs at least 2 images to hold one out for testing");
      }
      int nTest = Math.max(1, (int) Math.round(all.size() * testFraction));
      nTest = Math.min(nTest, all.size() - 1);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, random);
      int[] test = order.subList(0, nTest).stream().mapToInt(Integer::intValue).sorted().toArray();
      int[] train =
          order.subList(nTest, order.size()).stream()
              .mapToInt(Integer::intValue)
              .sorted()
              .toArray();
      trainImages.add(all);
      testImages.add(all);
      trainIdx.add(train);
      testIdx.add(test);
      notes.add(
          dir + ": no train/val sub-folders; " + nTest + " of " + all.size() + " images held out");
    }

    private static void checkReadable(FolderImages images) {
      // Decode every file once now, so that a bad file fails the build with its name rather
      // than surfacing halfway through activation extraction.
      for (int i = 0; i < images.size(); i++) {
        images.get(i);
      }
    }

    private static int[] range(int n) {
      int[] r = new int[n];
      for (int i = 0; i < n; i++) {
        r[i] = i;
      }
      return r;
    }

    private int find(ConceptSpec.PositiveFolder pf) {
      for (int i = 0; i < specs.size(); i++) {
        if (specs.get(i) == pf) {
          return i;
        }
      }
      throw new IllegalStateException("unknown folder " + pf.dir());
    }

    FolderImages images(ConceptSpec.PositiveFolder pf, boolean isTrain) {
      return (isTrain ? trainImages : testImages).get(find(pf));
    }

    int[] trainIndices(ConceptSpec.PositiveFolder pf) {
      return trainIdx.get(find(pf));
    }

    int[] testIndices(ConceptSpec.PositiveFolder pf) {
      return testIdx.get(find(pf));
    }
  }
}
