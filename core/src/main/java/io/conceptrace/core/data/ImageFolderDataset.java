package io.conceptrace.core.data;

import io.conceptrace.core.BadInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Images in one sub-folder per class (the ImageNet layout: {@code root/n01440764/x.JPEG}), JPEG or
 * PNG, decoded lazily with {@code javax.imageio}. Classes are the sub-folder names in sorted order;
 * files are sorted too, so indices are stable. Ids are the paths relative to the root with {@code
 * /} separators. Every image is resized (shorter side) and centre-cropped to a square RGB image.
 */
public final class ImageFolderDataset implements ImageDataset {
  /** What to do with an image that cannot be decoded. */
  public enum OnCorrupt {
    /** {@link #get} throws a {@link BadInputException} naming the file. */
    FAIL,
    /**
     * Every image is decoded once when the dataset is opened; unreadable ones are left out and
     * listed in {@link #skipped()} (the caller reports them).
     */
    SKIP
  }

  /**
   * @param imageSize side of the square output
   * @param resizeShorter the shorter side is resized to this before the centre crop (≥ imageSize;
   *     e.g. 256 for 224 crops, or equal to imageSize to crop the central square only)
   * @param onCorrupt fail on first unreadable image, or skip and report
   */
  public record Options(int imageSize, int resizeShorter, OnCorrupt onCorrupt) {
    public Options {
      if (imageSize < 8) {
        throw new IllegalArgumentException("image size must be >= 8, got " + imageSize);
      }
      if (resizeShorter < imageSize) {
        throw new IllegalArgumentException(
            "resize (" + resizeShorter + ") must be >= image size (" + imageSize + ")");
      }
    }
  }

  /** An image left out under {@link OnCorrupt#SKIP}, and why. */
  public record Skipped(Path file, String reason) {}

  private static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png");

  private final Path root;
  private final Options options;
  private final List<String> classNames;
  private final List<String> relativePaths;
  private final int[] labels;
  private final List<Skipped> skipped;

  private ImageFolderDataset(
      Path root,
      Options options,
      List<String> classNames,
      List<String> relativePaths,
      int[] labels,
      List<Skipped> skipped) {
    this.root = root;
    this.options = options;
    this.classNames = classNames;
    this.relativePaths = relativePaths;
    this.labels = labels;
    this.skipped = skipped;
  }

  /**
   * Lists {@code root}.
   *
   * @throws BadInputException if the root is missing, has no class folders, or a class is empty
   */
  public static ImageFolderDataset open(Path root, Options options) {
    if (!Files.isDirectory(root)) {
      throw new BadInputException("image folder " + root + " does not exist");
    }
    List<String> classes = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    List<Integer> labelList = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
          files =
              s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImage).sorted().toList();
        }
        if (files.isEmpty()) {
          throw new BadInputException("class folder " + dir + " contains no JPEG or PNG images");
        }
        int label = classes.size();
        classes.add(dir.getFileName().toString());
        for (Path f : files) {
          paths.add(dir.getFileName() + "/" + f.getFileName());
          labelList.add(label);
        }
      }
    } catch (IOException e) {
      throw new BadInputException("cannot list image folder " + root + ": " + e.getMessage(), e);
    }
    if (classes.isEmpty()) {
      throw new BadInputException("image folder " + root + " has no class sub-folders");
    }
    List<Skipped> skipped = new ArrayList<>();
    if (options.onCorrupt() == OnCorrupt.SKIP) {
      // Decode everything once (in parallel) so indices never point at unreadable files.
      String[] problems = new String[paths.size()];
      List<String> all = paths;
      IntStream.range(0, all.size())
          .parallel()
          .forEach(
              i -> {
                try {
                  decode(root.resolve(all.get(i)));
                } catch (BadInputException e) {
                  problems[i] = e.getMessage();
                }
              });
      List<String> keptPaths = new ArrayList<>();
      List<Integer> keptLabels = new ArrayList<>();
      for (int i = 0; i < paths.size(); i++) {
        if (problems[i] == null) {
          keptPaths.add(paths.get(i));
          keptLabels.add(labelList.get(i));
        } else {
          skipped.add(new Skipped(root.resolve(paths.get(i)), problems[i]));
        }
      }
      paths = keptPaths;
      labelList = keptLabels;
    }
    int[] labels = labelList.stream().mapToInt(Integer::intValue).toArray();
    return new ImageFolderDataset(
        root,
        options,
        List.copyOf(classes),
        List.copyOf(paths),
        labels,
        Collections.unmodifiableList(skipped));
  }

  private static boolean isImage(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /** Decodes one file to an RGB tensor in [0, 1]. */
  static ImageTensor decode(Path file) {
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new BadInputException("cannot decode image " + file + ": " + e.getMessage(), e);
    }
    if (img == null) {
      throw new BadInputException("cannot decode image " + file + ": not a readable JPEG/PNG");
    }
    int w = img.getWidth();
    int h = img.getHeight();
    int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
    float[] chw = new float[3 * h * w];
    int plane = h * w;
    for (int i = 0; i < plane; i++) {
      int p = argb[i];
      chw[i] = ((p >> 16) & 0xff) / 255f;
      chw[plane + i] = ((p >> 8) & 0xff) / 255f;
      chw[2 * plane + i] = (p & 0xff) / 255f;
    }
    return new ImageTensor(3, h, w, chw);
  }

  /** Images left out because they could not be decoded (only under {@link OnCorrupt#SKIP}). */
  public List<Skipped> skipped() {
    return skipped;
  }

  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return "image-folder:" + root.getFileName();
  }

  @Override
  public int size() {
    return relativePaths.size();
  }

  @Override
  public Example get(int index) {
    String rel = relativePaths.get(index);
    ImageTensor image = decode(root.resolve(rel));
    image = ImageOps.resizeShorterSide(image, options.resizeShorter());
    image = ImageOps.centerCrop(image, options.imageSize());
    return new Example(rel, labels[index], image, Set.of());
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public String id(int index) {
    return relativePaths.get(index);
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int imageSize() {
    return options.imageSize();
  }
}
