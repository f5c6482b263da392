package io.conceptrace.mlflow;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A cell's figures (its PNG files) as MLflow 3 logged images, so that the run's chart view shows
 * them in its image section, as Python's {@code MlflowClient.log_image(run_id, image, key=...)}
 * would: each figure goes to {@code images/KEY+step+0+timestamp+MILLIS+UUID.png}, with a copy at
 * most {@value #COMPRESSED_SIZE} pixels a side at {@code ...+UUID+compressed.png} (the UI's
 * thumbnail; it reads PNG as well as WebP), and the run gets the tag {@value #TAG}. The UUID and
 * timestamp come from the file's bytes and modification time, so a repeated upload writes the same
 * names instead of adding images.
 */
final class LoggedImages {
  /** The artifact folder MLflow's UI lists for logged images. */
  static final String DIR = "images";

  /** The run tag that makes the UI look for logged images. */
  static final String TAG = "mlflow.loggedImages";

  /** MLflow's {@code COMPRESSED_IMAGE_SIZE}: the thumbnail's longer side. */
  static final int COMPRESSED_SIZE = 256;

  /**
   * One figure's two artifact paths.
   *
   * @param key the image key the UI groups by (the file name without {@code .png})
   * @param full the full-size image's artifact path
   * @param compressed the thumbnail's artifact path
   */
  record Image(Path source, String key, String full, String compressed) {}

  private LoggedImages() {}

  /** The PNG files under {@code dir} (not under a previous {@code images/}), in path order. */
  static List<Image> of(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
          .filter(p -> !dir.relativize(p).startsWith(DIR))
          .sorted()
          .map(LoggedImages::image)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list figures in " + dir, e);
    }
  }

  private static Image image(Path png) {
    String file = png.getFileName().toString();
    String key = key(file.substring(0, file.length() - ".png".length()));
    try {
      long millis = Files.getLastModifiedTime(png).toMillis();
      String stem =
          DIR + "/" + key + "+step+0+timestamp+" + millis + "+" + uuid(Files.readAllBytes(png));
      return new Image(png, key, stem + ".png", stem + "+compressed.png");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read figure " + png, e);
    }
  }

  /**
   * The characters MLflow allows in an image key (letters, digits, {@code _-. }); others become
   * {@code _}. The UI splits the file name at {@code +} and turns {@code ~} into {@code /}, so
   * neither may appear.
   */
  static String key(String name) {
    return name.replaceAll("[^A-Za-z0-9_.\\- ]", "_");
  }

  /** A name-based UUID of the bytes: the same figure always gets the same artifact names. */
  static String uuid(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return UUID.nameUUIDFromBytes(HexFormat.of().formatHex(digest).getBytes()).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Writes the thumbnail of {@code png} (longer side {@value #COMPRESSED_SIZE}) to {@code out}. */
  static void writeCompressed(Path png, Path out) {
    try {
      BufferedImage img = ImageIO.read(png.toFile());
      if (img == null) {
        throw new IOException("not a readable PNG");
      }
      double scale = (double) COMPRESSED_SIZE / Math.max(img.getWidth(), img.getHeight());
      int w = Math.max(1, (int) (img.getWidth() * scale));
      int h = Math.max(1, (int) (img.getHeight() * scale));
      BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      try {
        g.setRenderingHint(
            RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, w, h, null);
      } finally {
        g.dispose();
      }
      if (!ImageIO.write(small, "png", out.toFile())) {
        throw new IOException("no PNG writer available");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make the thumbnail of " + png, e);
    }
  }
}
