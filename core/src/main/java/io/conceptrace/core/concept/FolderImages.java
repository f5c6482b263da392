package io.conceptrace.core.concept;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageOps;
import io.conceptrace.core.data.ImageTensor;
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
 * is decoded with {@code javax.imageio}, its shorter side resized to the base image size and centre
 * cropped with the same {@link ImageOps} the base image folders use, and converted to the base
 * channel count. Files are decoded lazily, in name order; ids are {@code <folder name>/<file
 * name>}; labels are {@code -1} (no class).
 *
 * <p>A loader of its own because a concept folder is flat (no class sub-folders), unlike {@link
 * io.conceptrace.core.data.ImageFolderDataset}.
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
  public int label(int index) {
    return -1;
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
    int w = img.getWidth();
    int h = img.getHeight();
    int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
    int plane = w * h;
    float[] rgb = new float[3 * plane];
    for (int i = 0; i < plane; i++) {
      rgb[i] = ((argb[i] >> 16) & 0xFF) / 255f;
      rgb[plane + i] = ((argb[i] >> 8) & 0xFF) / 255f;
      rgb[2 * plane + i] = (argb[i] & 0xFF) / 255f;
    }
    ImageTensor image = new ImageTensor(3, h, w, rgb);
    image = ImageOps.centerCrop(ImageOps.resizeShorterSide(image, size), size);
    if (channels == 3) {
      return image;
    }
    // Grey base data: ITU-R 601 luma, as PIL's convert("L").
    int sq = size * size;
    float[] px = image.toArray();
    float[] grey = new float[sq];
    for (int i = 0; i < sq; i++) {
      grey[i] = 0.299f * px[i] + 0.587f * px[sq + i] + 0.114f * px[2 * sq + i];
    }
    return new ImageTensor(1, size, size, grey);
  }
}
