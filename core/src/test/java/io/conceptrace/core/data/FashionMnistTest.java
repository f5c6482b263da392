package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.conceptrace.core.BadInputException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir Path dir;

  /** Writes a tiny test split: 3 images whose pixel (r, c) = (i·40 + r + c) mod 256. */
  private void writeSplit(String prefix, boolean gzip, int[] labels) throws IOException {
    ByteArrayOutputStream img = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(img);
    d.writeInt(2051);
    d.writeInt(labels.length);
    d.writeInt(28);
    d.writeInt(28);
    for (int i = 0; i < labels.length; i++) {
      for (int r = 0; r < 28; r++) {
        for (int c = 0; c < 28; c++) {
          d.writeByte((i * 40 + r + c) % 256);
        }
      }
    }
    ByteArrayOutputStream lab = new ByteArrayOutputStream();
    DataOutputStream l = new DataOutputStream(lab);
    l.writeInt(2049);
    l.writeInt(labels.length);
    for (int v : labels) {
      l.writeByte(v);
    }
    write(dir.resolve(prefix + "-images-idx3-ubyte"), img.toByteArray(), gzip);
    write(dir.resolve(prefix + "-labels-idx1-ubyte"), lab.toByteArray(), gzip);
  }

  private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
    if (gzip) {
      try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(Path.of(file + ".gz")))) {
        out.write(bytes);
      }
    } else {
      Files.write(file, bytes);
    }
  }

  @Test
  void readsGzippedAndPlainIdx() throws IOException {
    writeSplit("t10k", true, new int[] {9, 0, 4});
    writeSplit("train", false, new int[] {1, 2});
    FashionMnist test =
        FashionMnist.load(dir, FashionMnist.Split.TEST, FashionMnist.Options.nativeGrey());
    assertThat(test.size()).isEqualTo(3);
    Example e = test.get(2);
    assertThat(e.id()).isEqualTo("fashion-mnist/test/2");
    assertThat(e.label()).isEqualTo(4);
    assertThat(e.image().get(0, 1, 2)).isEqualTo((80 + 3) / 255f);
    FashionMnist train =
        FashionMnist.load(dir, FashionMnist.Split.TRAIN, FashionMnist.Options.nativeGrey());
    assertThat(train.get(1).label()).isEqualTo(2);
    assertThat(train.classNames().get(9)).isEqualTo("ankle-boot");
  }

  @Test
  void resizesAndCopiesGreyToRgb() throws IOException {
    writeSplit("t10k", true, new int[] {3});
    FashionMnist data =
        FashionMnist.load(dir, FashionMnist.Split.TEST, new FashionMnist.Options(32, 3));
    ImageTensor img = data.get(0).image();
    assertThat(img.channels()).isEqualTo(3);
    assertThat(img.height()).isEqualTo(32);
    assertThat(img.get(0, 16, 16)).isEqualTo(img.get(2, 16, 16));
    // A linear ramp stays a ramp under bilinear resizing (up to the edges).
    float step = img.get(0, 16, 17) - img.get(0, 16, 16);
    assertThat(step).isCloseTo(28f / 32 / 255f, org.assertj.core.data.Offset.offset(1e-4f));
  }

  @Test
  void missingFilesAreBadInputNamingTheFile() throws IOException {
    assertThatThrownBy(
            () ->
                FashionMnist.load(
                    dir.resolve("nope"),
                    FashionMnist.Split.TRAIN,
                    FashionMnist.Options.nativeGrey()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("nope");
    writeSplit("t10k", true, new int[] {1});
    Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
    assertThatThrownBy(
            () ->
                FashionMnist.load(dir, FashionMnist.Split.TEST, FashionMnist.Options.nativeGrey()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("t10k-labels-idx1-ubyte.gz");
  }

  @Test
  void corruptMagicIsBadInput() throws IOException {
    writeSplit("t10k", false, new int[] {1});
    Files.write(dir.resolve("t10k-images-idx3-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1});
    assertThatThrownBy(
            () ->
                FashionMnist.load(dir, FashionMnist.Split.TEST, FashionMnist.Options.nativeGrey()))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("t10k-images-idx3-ubyte")
        .hasMessageContaining("magic");
  }

  @Test
  void readsTheInstalledTestSplit() {
    assumeThat(Files.isDirectory(FashionMnist.DEFAULT_DIR)).isTrue();
    FashionMnist test =
        FashionMnist.load(
            FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, FashionMnist.Options.nativeGrey());
    assertThat(test.size()).isEqualTo(10_000);
    int[] counts = new int[10];
    for (int i = 0; i < test.size(); i++) {
      counts[test.label(i)]++;
    }
    assertThat(counts).containsOnly(1000);
  }
}
