package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
  @TempDir Path root;

  private void image(String rel, int w, int h, int rgb, String format) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, x < w / 2 ? rgb : 0x000000);
      }
    }
    Path f = root.resolve(rel);
    Files.createDirectories(f.getParent());
    ImageIO.write(img, format, f.toFile());
  }

  private void layout() throws IOException {
    image("n02/b.png", 40, 20, 0xff0000, "png");
    image("n02/a.PNG", 20, 20, 0x00ff00, "png");
    image("n01/x.jpg", 30, 30, 0x0000ff, "jpeg");
    Files.writeString(root.resolve("n01/readme.txt"), "not an image");
  }

  @Test
  void classesAndFilesAreSortedAndIdsAreRelativePaths() throws IOException {
    layout();
    ImageFolderDataset data =
        ImageFolderDataset.open(
            root, new ImageFolderDataset.Options(16, 16, ImageFolderDataset.OnCorrupt.FAIL));
    assertThat(data.classNames()).containsExactly("n01", "n02");
    assertThat(data.size()).isEqualTo(3);
    assertThat(data.id(0)).isEqualTo("n01/x.jpg");
    assertThat(data.id(1)).isEqualTo("n02/a.PNG");
    Example b = data.get(2);
    assertThat(b.id()).isEqualTo("n02/b.png");
    assertThat(b.label()).isEqualTo(1);
    ImageTensor img = b.image();
    assertThat(img.height()).isEqualTo(16);
    assertThat(img.width()).isEqualTo(16);
    // 40×20 → 32×16 → centre 16×16 crop = columns 8..23 of 32, whose left half is red.
    assertThat(img.get(0, 8, 2)).isGreaterThan(0.9f);
    assertThat(img.get(1, 8, 2)).isLessThan(0.1f);
    assertThat(img.get(0, 8, 13)).isLessThan(0.1f);
  }

  @Test
  void corruptImageFailsNamingTheFileOrIsSkippedAndReported() throws IOException {
    layout();
    Path bad = root.resolve("n01/broken.jpg");
    Files.write(bad, new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
    ImageFolderDataset strict =
        ImageFolderDataset.open(
            root, new ImageFolderDataset.Options(16, 16, ImageFolderDataset.OnCorrupt.FAIL));
    assertThat(strict.size()).isEqualTo(4);
    assertThatThrownBy(() -> strict.get(0))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("broken.jpg");

    ImageFolderDataset lenient =
        ImageFolderDataset.open(
            root, new ImageFolderDataset.Options(16, 16, ImageFolderDataset.OnCorrupt.SKIP));
    assertThat(lenient.size()).isEqualTo(3);
    assertThat(lenient.skipped()).hasSize(1);
    assertThat(lenient.skipped().get(0).file()).isEqualTo(bad);
    assertThat(lenient.get(0).id()).isEqualTo("n01/x.jpg");
  }

  @Test
  void missingRootOrEmptyClassIsBadInput() throws IOException {
    assertThatThrownBy(
            () ->
                ImageFolderDataset.open(
                    root.resolve("none"),
                    new ImageFolderDataset.Options(8, 8, ImageFolderDataset.OnCorrupt.FAIL)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("none");
    Files.createDirectories(root.resolve("empty"));
    assertThatThrownBy(
            () ->
                ImageFolderDataset.open(
                    root, new ImageFolderDataset.Options(8, 8, ImageFolderDataset.OnCorrupt.FAIL)))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("empty");
  }
}
