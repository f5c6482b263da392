package io.conceptrace.core.data;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generated RGB images of ten simple objects ({@link ClassNames#SYNTHETIC}) with planted, per-image
 * ground-truth attributes, so that concepts have known answers. Every image is a pure function of
 * (seed, split, index): nothing is stored and any example can be regenerated on any machine.
 *
 * <p>Labels cycle through the classes ({@code label = index % 10}), so every class has the same
 * count. Attributes ({@link Example#attributes()}):
 *
 * <ul>
 *   <li>{@value #WAVY}: the object is a wavy shape ({@code snake} and {@code worm}) — a class
 *       concept.
 *   <li>{@value #HIGH_LOW}: part of the background is a high-spatial-frequency texture that meets a
 *       flat region along a straight edge. Drawn independently of the class, in a fraction {@link
 *       Config#highLowFraction()} of the images of every class, so it is <em>not</em> a class
 *       concept. Images without it have a flat or smooth (low-frequency) background only.
 *   <li>{@value #SMOOTH_BACKGROUND}: the background is a smooth colour gradient rather than flat.
 * </ul>
 *
 * <p>Ids are {@code synthetic/<split>/<index>}; the seed is part of the dataset's identity (its
 * {@link #name()}), not of the id, because ids name positions within one configured source.
 */
public final class SyntheticShapes implements ImageDataset {
  public static final String WAVY = "wavy";
  public static final String HIGH_LOW = "high-low";
  public static final String SMOOTH_BACKGROUND = "smooth-background";

  /**
   * What to generate.
   *
   * @param seed the generator seed (train and val with one seed are disjoint image sets)
   * @param split {@code train}, {@code val} or any other name; part of every id
   * @param size number of images
   * @param imageSize side in pixels (at least 16)
   * @param highLowFraction fraction of each class's images that carry {@value #HIGH_LOW}
   */
  public record Config(long seed, String split, int size, int imageSize, double highLowFraction) {
    public Config {
      if (size < 0) {
        throw new IllegalArgumentException("size must be >= 0, got " + size);
      }
      if (imageSize < 16) {
        throw new IllegalArgumentException("image size must be >= 16, got " + imageSize);
      }
      if (!(highLowFraction >= 0 && highLowFraction <= 1)) {
        throw new IllegalArgumentException("high-low fraction must be in [0, 1]");
      }
      if (!split.matches("[a-z0-9-]+")) {
        throw new IllegalArgumentException("split must match [a-z0-9-]+, got '" + split + "'");
      }
    }

    /** 32×32 images, 30 % of each class with the high-low transition. */
    public static Config of(long seed, String split, int size) {
      return new Config(seed, split, size, 32, 0.3);
    }
  }

  private static final int CLASSES = ClassNames.SYNTHETIC.size();
  private static final int SUPERSAMPLE = 2;

  private final Config config;

  public SyntheticShapes(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  @Override
  public String name() {
    return "synthetic/" + config.split();
  }

  @Override
  public int size() {
    return config.size();
  }

  @Override
  public List<String> classNames() {
    return ClassNames.SYNTHETIC;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int imageSize() {
    return config.imageSize();
  }

  @Override
  public int label(int index) {
    return index % CLASSES;
  }

  @Override
  public String id(int index) {
    return "synthetic/" + config.split() + "/" + index;
  }

  @Override
  public Example get(int index) {
    if (index < 0 || index >= config.size()) {
      throw new IndexOutOfBoundsException("index " + index + " of " + config.size());
    }
    int label = index % CLASSES;
    // One independent stream per image: mixes seed, split and index.
    long streamSeed = config.seed() * 0x9E3779B97F4A7C15L + config.split().hashCode();
    SplittableRandom r = new SplittableRandom(streamSeed ^ (index * 0xBF58476D1CE4E5B9L));
    r = r.split();
    // high-low in an exact fraction of each class: decided by the index within the class, with
    // a seeded permutation so it is not tied to position.
    boolean highLow = classFractionMember(index / CLASSES, label);
    Set<String> attributes = new HashSet<>();
    int n = config.imageSize();
    float[] img = new float[3 * n * n];

    float[] bg = randomColour(r);
    // The object's colour is fixed first so that the whole background can be kept away from it.
    float[] fg = contrastingColour(r, bg);
    boolean smooth = r.nextBoolean();
    if (smooth) {
      attributes.add(SMOOTH_BACKGROUND);
      // The gradient's far end lies on the same side of the object's grey value as its near end,
      // so every point of the gradient contrasts with the object (no invisible objects).
      float[] bg2 = sameSideColour(r, bg, fg);
      double angle = r.nextDouble() * Math.PI * 2;
      double cx = Math.cos(angle);
      double cy = Math.sin(angle);
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          double t = 0.5 + ((x - n / 2.0) * cx + (y - n / 2.0) * cy) / (1.5 * n);
          for (int c = 0; c < 3; c++) {
            img[(c * n + y) * n + x] = (float) (bg[c] * (1 - t) + bg2[c] * t);
          }
        }
      }
    } else {
      fill(img, n, bg);
    }
    if (highLow) {
      attributes.add(HIGH_LOW);
      paintHighLow(img, n, r);
    }

    // The object: a flat colour clearly different from the background's mean.
    Shape shape = Shape.random(label, n, r);
    if (label == 5 || label == 6) {
      attributes.add(WAVY);
    }
    int ss = SUPERSAMPLE;
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        if (!shape.mayContain(x + 0.5, y + 0.5)) {
          continue;
        }
        int hits = 0;
        for (int sy = 0; sy < ss; sy++) {
          for (int sx = 0; sx < ss; sx++) {
            if (shape.contains(x + (sx + 0.5) / ss, y + (sy + 0.5) / ss)) {
              hits++;
            }
          }
        }
        if (hits > 0) {
          float a = hits / (float) (ss * ss);
          for (int c = 0; c < 3; c++) {
            int i = (c * n + y) * n + x;
            img[i] = img[i] * (1 - a) + fg[c] * a;
          }
        }
      }
    }
    return new Example(
        "synthetic/" + config.split() + "/" + index,
        label,
        new ImageTensor(3, n, n, img),
        attributes);
  }

  /** Whether the k-th image of a class is in the high-low fraction (exact per class). */
  private boolean classFractionMember(int k, int label) {
    // A hash-based rank within consecutive groups of 20 keeps the fraction exact to ±1 per 20.
    int group = 20;
    int slot = k % group;
    long groupSeed = config.seed() ^ ((long) label << 40) ^ ((long) (k / group) << 8);
    SplittableRandom g = new SplittableRandom(groupSeed * 0xD1B54A32D192ED03L);
    int[] order = new int[group];
    for (int i = 0; i < group; i++) {
      order[i] = i;
    }
    for (int i = group - 1; i > 0; i--) {
      int j = g.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int members = (int) Math.round(config.highLowFraction() * group);
    for (int i = 0; i < members; i++) {
      if (order[i] == slot) {
        return true;
      }
    }
    return false;
  }

  /**
   * A band of fine texture (checkerboard or per-pixel noise, strong contrast) covering 35–60 % of
   * the image on one side of a straight horizontal or vertical edge; the rest stays flat/smooth.
   */
  private static void paintHighLow(float[] img, int n, SplittableRandom r) {
    boolean vertical = r.nextBoolean();
    boolean first = r.nextBoolean();
    int edge = (int) Math.round(n * (0.35 + 0.25 * r.nextDouble()));
    int from = first ? 0 : n - edge;
    int to = first ? edge : n;
    boolean checker = r.nextBoolean();
    float[] a = randomColour(r);
    float[] b = contrastingColour(r, a);
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        int along = vertical ? x : y;
        if (along < from || along >= to) {
          continue;
        }
        boolean dark = checker ? ((x + y) & 1) == 0 : r.nextBoolean();
        float[] col = dark ? a : b;
        for (int c = 0; c < 3; c++) {
          img[(c * n + y) * n + x] = col[c];
        }
      }
    }
  }

  private static void fill(float[] img, int n, float[] colour) {
    for (int c = 0; c < 3; c++) {
      java.util.Arrays.fill(img, c * n * n, (c + 1) * n * n, colour[c]);
    }
  }

  private static float[] randomColour(SplittableRandom r) {
    return new float[] {(float) r.nextDouble(), (float) r.nextDouble(), (float) r.nextDouble()};
  }

  /**
   * A random colour whose grey value is at least 0.3 from {@code object}'s, on the same side as
   * {@code near}'s.
   */
  private static float[] sameSideColour(SplittableRandom r, float[] near, float[] object) {
    double g0 = grey(object);
    boolean brighter = grey(near) > g0;
    for (int attempt = 0; attempt < 64; attempt++) {
      float[] c = randomColour(r);
      if (brighter ? grey(c) >= g0 + 0.3 : grey(c) <= g0 - 0.3) {
        return c;
      }
    }
    return near.clone(); // a narrow feasible range: fall back to a flat-looking gradient
  }

  private static double grey(float[] c) {
    return (c[0] + c[1] + c[2]) / 3.0;
  }

  /** A random colour whose grey value differs from {@code other}'s by at least 0.3. */
  private static float[] contrastingColour(SplittableRandom r, float[] other) {
    double g = (other[0] + other[1] + other[2]) / 3;
    float[] c;
    do {
      c = randomColour(r);
    } while (Math.abs((c[0] + c[1] + c[2]) / 3 - g) < 0.3);
    return c;
  }

  /** A shape in pixel coordinates; {@link #contains} is tested at sub-pixel sample points. */
  private interface Shape {
    boolean contains(double x, double y);

    /** A cheap bounding test (false: no sample of this pixel can be inside). */
    default boolean mayContain(double x, double y) {
      return true;
    }

    static Shape random(int label, int n, SplittableRandom r) {
      double size = n * (0.5 + 0.2 * r.nextDouble()); // bounding extent
      double half = size / 2;
      double margin = half + 1;
      double cx = margin + r.nextDouble() * Math.max(0, n - 2 * margin);
      double cy = margin + r.nextDouble() * Math.max(0, n - 2 * margin);
      double jitter = (r.nextDouble() - 0.5) * Math.toRadians(20);
      double anyAngle = r.nextDouble() * Math.PI * 2;
      Shape exact = exact(label, cx, cy, half, jitter, anyAngle);
      // Every shape lies within 1.2·half of its centre; one pixel of slack for the samples.
      double reach = sq(1.2 * half + 1);
      return new Shape() {
        @Override
        public boolean contains(double x, double y) {
          return exact.contains(x, y);
        }

        @Override
        public boolean mayContain(double x, double y) {
          return sq(x - cx) + sq(y - cy) <= reach;
        }
      };
    }

    private static Shape exact(
        int label, double cx, double cy, double half, double jitter, double anyAngle) {
      return switch (label) {
        case 0 -> (x, y) -> sq(x - cx) + sq(y - cy) <= sq(half);
        case 1 ->
            rotated(
                cx, cy, jitter, (u, v) -> Math.abs(u) <= half * 0.8 && Math.abs(v) <= half * 0.8);
        case 2 -> rotated(cx, cy, anyAngle, (u, v) -> triangle(u, v, half));
        case 3 ->
            rotated(
                cx,
                cy,
                jitter,
                (u, v) ->
                    (Math.abs(u) <= half && Math.abs(v) <= half * 0.3)
                        || (Math.abs(v) <= half && Math.abs(u) <= half * 0.3));
        case 4 ->
            (x, y) -> {
              double d = Math.sqrt(sq(x - cx) + sq(y - cy));
              return d <= half && d >= half * 0.55;
            };
        case 5 ->
            rotated( // snake: long, thin, several waves
                cx,
                cy,
                anyAngle,
                (u, v) ->
                    Math.abs(u) <= half * 1.1
                        && Math.abs(v - half * 0.3 * Math.sin(u / half * 2 * Math.PI))
                            <= Math.max(1.3, half * 0.13));
        case 6 ->
            rotated( // worm: shorter, thick, one wave, rounded
                cx,
                cy,
                anyAngle,
                (u, v) ->
                    Math.abs(u) <= half * 0.8
                        && Math.abs(v - half * 0.3 * Math.sin(u / half * 1.25 * Math.PI))
                            <= half * 0.25 * (1 - sq(u / (half * 0.85))) + 0.8);
        case 7 -> rotated(cx, cy, anyAngle, (u, v) -> star(u, v, half));
        case 8 ->
            rotated(cx, cy, anyAngle, (u, v) -> Math.abs(u) <= half && Math.abs(v) <= half * 0.2);
        case 9 ->
            // |u| + |v| <= half is already a diamond (corners on the axes): jitter only.
            rotated(cx, cy, jitter, (u, v) -> Math.abs(u) + Math.abs(v) <= half);
        default -> throw new IllegalStateException("label " + label);
      };
    }

    private static Shape rotated(double cx, double cy, double angle, Local local) {
      double c = Math.cos(angle);
      double s = Math.sin(angle);
      return (x, y) -> {
        double dx = x - cx;
        double dy = y - cy;
        return local.contains(c * dx + s * dy, -s * dx + c * dy);
      };
    }

    /** Equilateral triangle with circumradius r, apex up. */
    private static boolean triangle(double u, double v, double r) {
      for (int k = 0; k < 3; k++) {
        double a = Math.PI / 2 + k * 2 * Math.PI / 3 + Math.PI; // edge normals
        if (u * Math.cos(a) + v * Math.sin(a) > r / 2) {
          return false;
        }
      }
      return true;
    }

    /** Five-pointed star: radius oscillates between r and 0.45 r with the polar angle. */
    private static boolean star(double u, double v, double r) {
      double d = Math.sqrt(u * u + v * v);
      double t = Math.atan2(v, u);
      double phase = Math.abs(((t * 5 / (2 * Math.PI)) % 1 + 1) % 1 - 0.5) * 2; // 1 at tips
      return d <= r * (0.45 + 0.55 * phase);
    }

    private static double sq(double v) {
      return v * v;
    }
  }

  @FunctionalInterface
  private interface Local {
    boolean contains(double u, double v);
  }
}
