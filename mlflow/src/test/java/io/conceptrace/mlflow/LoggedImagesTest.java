package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggedImagesTest {
  @TempDir Path dir;

  @Test
  void everyFigureGetsTheArtifactNamesMlflowsUiParsesAndStableOnes() throws IOException {
    Files.createDirectories(dir.resolve("report"));
    Files.write(dir.resolve("report/prune-wavy layer3.png"), png(80, 40));
    Files.write(dir.resolve("report/scores.png"), png(40, 80));
    Files.writeString(dir.resolve("report/index.html"), "<html>");
    // An earlier upload's images/ folder is not a figure of the cell.
    Files.createDirectories(dir.resolve("images"));
    Files.write(dir.resolve("images/old.png"), png(10, 10));

    List<LoggedImages.Image> images = LoggedImages.of(dir);

    assertThat(images)
        .extracting(LoggedImages.Image::key)
        .containsExactly("prune-wavy layer3", "scores");
    LoggedImages.Image first = images.get(0);
    // The UI splits the name without extension at '+': key, "step", step, "timestamp", ms, uuid
    String stem = first.full().substring("images/".length(), first.full().length() - 4);
    String[] parts = stem.split("\\+");
    assertThat(parts).hasSize(6);
    assertThat(parts[0]).isEqualTo("prune-wavy layer3");
    assertThat(parts[1]).isEqualTo("step");
    assertThat(parts[2]).isEqualTo("0");
    assertThat(parts[3]).isEqualTo("timestamp");
    assertThat(Long.parseLong(parts[4]))
        .isEqualTo(Files.getLastModifiedTime(first.source()).toMillis());
    assertThat(first.compressed()).isEqualTo("images/" + stem + "+compressed.png");
    // Same bytes, same names (a second upload overwrites instead of adding); other bytes differ.
    assertThat(LoggedImages.of(dir).get(0)).isEqualTo(first);
    assertThat(images.get(1).full()).doesNotContain(parts[5]);
  }

  @Test
  void keysKeepOnlyTheCharactersMlflowAllows() {
    assertThat(LoggedImages.key("prune-wavy_layer3 dense.v2"))
        .isEqualTo("prune-wavy_layer3 dense.v2");
    assertThat(LoggedImages.key("a+b~c/d#e")).isEqualTo("a_b_c_d_e");
  }

  @Test
  void theThumbnailsLongerSideIsMlflowsCompressedSizeAndTheAspectIsKept() throws IOException {
    Path big = dir.resolve("big.png");
    Files.write(big, png(800, 520));
    Path out = dir.resolve("small.png");

    LoggedImages.writeCompressed(big, out);

    BufferedImage small = ImageIO.read(out.toFile());
    assertThat(small.getWidth()).isEqualTo(LoggedImages.COMPRESSED_SIZE);
    assertThat(small.getHeight()).isEqualTo(166); // 520 * 256 / 800 = 166.4
    // The content is scaled, not blank: the left half is red, the right half blue.
    assertThat(new Color(small.getRGB(10, 80)).getRed()).isGreaterThan(200);
    assertThat(new Color(small.getRGB(246, 80)).getBlue()).isGreaterThan(200);
  }

  /** A PNG whose left half is red and right half blue. */
  static byte[] png(int width, int height) throws IOException {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setColor(Color.RED);
      g.fillRect(0, 0, width / 2, height);
      g.setColor(Color.BLUE);
      g.fillRect(width / 2, 0, width - width / 2, height);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
