package io.conceptrace.core.data;

import io.conceptrace.core.BadInputException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST read from its IDX files ({@code train-images-idx3-ubyte[.gz]}, {@code
 * train-labels-idx1-ubyte[.gz]}, {@code t10k-…}), kept in memory as bytes (47 MB for the training
 * split). Ids are {@code fashion-mnist/train/<index>} and {@code fashion-mnist/test/<index>}.
 */
public final class FashionMnist implements ImageDataset {
  /** Where the Debian package {@code dataset-fashion-mnist} installs the files. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  private static final int NATIVE_SIZE = 28;

  /** Which file pair. */
  public enum Split {
    TRAIN("train", "train"),
    TEST("t10k", "test");

    private final String filePrefix;
    private final String idName;

    Split(String filePrefix, String idName) {
      this.filePrefix = filePrefix;
      this.idName = idName;
    }
  }

  /**
   * How to present the images.
   *
   * @param imageSize 28 (native) or another side, reached by bilinear resizing (e.g. 32)
   * @param channels 1 (grey) or 3 (grey copied to RGB)
   */
  public record Options(int imageSize, int channels) {
    public Options {
      if (imageSize < 8) {
        throw new IllegalArgumentException("image size must be >= 8, got " + imageSize);
      }
      if (channels != 1 && channels != 3) {
        throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
      }
    }

    public static Options nativeGrey() {
      return new Options(NATIVE_SIZE, 1);
    }
  }

  private final Split split;
  private final Options options;
  private final byte[] pixels;
  private final byte[] labels;
  private final int count;

  private FashionMnist(Split split, Options options, byte[] pixels, byte[] labels) {
    this.split = split;
    this.options = options;
    this.pixels = pixels;
    this.labels = labels;
    this.count = labels.length;
  }

  /**
   * Reads one split from {@code dir}.
   *
   * @throws BadInputException if the directory or a file is missing or malformed (naming it and,
   *     for the default directory, the Debian package that provides it)
   */
  public static FashionMnist load(Path dir, Split split, Options options) {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(
          "Fashion-MNIST directory "
              + dir
              + " does not exist"
              + (dir.equals(DEFAULT_DIR)
                  ? " (install the Debian package dataset-fashion-mnist, or set the data path)"
                  : ""));
    }
    Path imageFile = find(dir, split.filePrefix + "-images-idx3-ubyte");
    Path labelFile = find(dir, split.filePrefix + "-labels-idx1-ubyte");
    byte[] labels = readIdx(labelFile, 2049, 1);
    byte[] pixels = readIdx(imageFile, 2051, 3);
    if (pixels.length != labels.length * NATIVE_SIZE * NATIVE_SIZE) {
      throw new BadInputException(
          imageFile
              + " holds "
              + pixels.length / (NATIVE_SIZE * NATIVE_SIZE)
              + " images but "
              + labelFile
              + " holds "
              + labels.length
              + " labels");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] > 9) {
        throw new BadInputException(labelFile + ": label " + labels[i] + " at item " + i);
      }
    }
    return new FashionMnist(split, options, pixels, labels);
  }

  private static Path find(Path dir, String base) {
    Path plain = dir.resolve(base);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gz = dir.resolve(base + ".gz");
    if (Files.isRegularFile(gz)) {
      return gz;
    }
    throw new BadInputException(
        "Fashion-MNIST file "
            + gz
            + " (or "
            + base
            + ") is missing"
            + (dir.equals(DEFAULT_DIR)
                ? " (install the Debian package dataset-fashion-mnist)"
                : ""));
  }

  /** Reads an IDX file's payload after checking its magic number and dimensions. */
  private static byte[] readIdx(Path file, int magic, int dims) {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        DataInputStream data = new DataInputStream(in)) {
      int m = data.readInt();
      if (m != magic) {
        throw new BadInputException(
            file
                + " is not an IDX file of the expected kind (magic "
                + m
                + ", expected "
                + magic
                + ")");
      }
      long n = data.readInt();
      for (int d = 1; d < dims; d++) {
        int side = data.readInt();
        if (side != NATIVE_SIZE) {
          throw new BadInputException(file + ": image side " + side + ", expected 28");
        }
        n *= side;
      }
      if (n < 0 || n > Integer.MAX_VALUE - 16) {
        throw new BadInputException(file + ": bad item count");
      }
      byte[] out = new byte[(int) n];
      data.readFully(out);
      return out;
    } catch (IOException e) {
      throw new BadInputException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String name() {
    return "fashion-mnist/" + split.idName;
  }

  @Override
  public int size() {
    return count;
  }

  @Override
  public Example get(int index) {
    if (index < 0 || index >= count) {
      throw new IndexOutOfBoundsException("index " + index + " of " + count);
    }
    int n = NATIVE_SIZE * NATIVE_SIZE;
    float[] grey = new float[n];
    for (int i = 0; i < n; i++) {
      grey[i] = (pixels[index * n + i] & 0xff) / 255f;
    }
    ImageTensor image = new ImageTensor(1, NATIVE_SIZE, NATIVE_SIZE, grey);
    if (options.imageSize() != NATIVE_SIZE) {
      image = ImageOps.resize(image, options.imageSize(), options.imageSize());
    }
    if (options.channels() == 3) {
      image = ImageOps.greyToRgb(image);
    }
    return new Example(name() + "/" + index, labels[index], image, Set.of());
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public String id(int index) {
    return name() + "/" + index;
  }

  @Override
  public List<String> classNames() {
    return ClassNames.FASHION_MNIST;
  }

  @Override
  public int channels() {
    return options.channels();
  }

  @Override
  public int imageSize() {
    return options.imageSize();
  }
}
