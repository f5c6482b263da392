package io.conceptrace.core.concept;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The image files of one folder (not recursive) as a data set of the base data's shape: each file
 * is decoded with {@code javax.imageio}, its shorter side scaled to the base image size, centre
 * cropped to a square and converted to the base channel count. Files are decoded lazily, in name
 * order; ids are {@code <folder name>/<file name>}; labels are {@code -1} (no class).
 *
 * <p>A small loader of its own because user concept folders hold arbitrary image files and the
 * base-data loaders were not available when concept sets were written; it can be replaced by the
 * shared image-folder decoder without changing {@link ConceptSet}.
 */
final class FolderImages implements ImageDataset {
  private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private final Path dir;
  private final List<Path> files;
  private final int channels;
  private final int size;
  private final List<String> classNames;

  private FolderImages(Path dir, List<Path> files, ImageDataset shape) {
    this.dir = dir;
    this.files = List.copyOf(files);
    this.channels = shape.channels();
    this.size = shape.imageSize();
    this.classNames = shape.classNames();
  }

  /**
   * Lists the image files of {@code dir}.
   *
   * @throws BadInputException if the folder is missing or holds no image files
   */
  static FolderImages of(Path dir, ImageDataset shape) {
    if (!Files.isDirectory(dir)) {
      throw new BadInputException(dir + ": concept folder does not exist");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).filter(FolderImages::isImage).sorted().toList();
    } catch (IOException e) {
      throw new BadInputException(dir + ": cannot list concept folder (" + e.getMessage() + ")", e);
    }
    if (files.isEmpty()) {
      throw new BadInputException(
          dir + ": concept folder holds no image files (" + String.join(", ", EXTENSIONS) + ")");
    }
    return new FolderImages(dir, files, shape);
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  @Override
  public String id(int index) {
    return dir.getFileName() + "/" + files.get(index).getFileName();
  }

  @Override
  public String name() {
    return dir.toString();
  }

  @Override
  public int size() {
    return files.size();
  }

  @Override
  public Example get(int index) {
    return new Example(id(index), -1, decode(files.get(index)), Set.of());
  }

  @Override
  public List<String> classNames() {
    return classNames;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int imageSize() {
    return size;
  }

  private ImageTensor decode(Path file) {
    BufferedImage img;
    try {
      img = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new BadInputException(file + ": cannot read image (" + e.getMessage() + ")", e);
    }
    if (img == null) {
      throw new BadInputException(file + ": not a readable image");
    }
    BufferedImage square = scaleAndCrop(img, size);
    float[] data = new float[channels * size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = square.getRGB(x, y);
        float r = ((rgb >> 16) & 0xFF) / 255f;
        float g = ((rgb >> 8) & 0xFF) / 255f;
        float b = (rgb & 0xFF) / 255f;
        if (channels == 1) {
          data[y * size + x] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
          data[y * size + x] = r;
          data[(size + y) * size + x] = g;
          data[(2 * size + y) * size + x] = b;
        }
      }
    }
    return new ImageTensor(channels, size, size, data);
  }

  private static BufferedImage scaleAndCrop(BufferedImage img, int size) {
    double scale = (double) size / Math.min(img.getWidth(), img.getHeight());
    int w = Math.max(size, (int) Math.round(img.getWidth() * scale));
    int h = Math.max(size, (int) Math.round(img.getHeight() * scale));
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(img, -(w - size) / 2, -(h - size) / 2, w, h, null);
    } finally {
      g.dispose();
    }
    return out;
  }
}
