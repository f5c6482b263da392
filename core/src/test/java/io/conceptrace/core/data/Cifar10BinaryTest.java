package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10BinaryTest {
  @TempDir Path dir;

  /** A batch file of {@code n} records; record k has label (k + batch) % 10, pixel p = k + p. */
  private void batch(String name, int n, int batch) throws IOException {
    byte[] b = new byte[n * 3073];
    for (int k = 0; k < n; k++) {
      b[k * 3073] = (byte) ((k + batch) % 10);
      for (int p = 0; p < 3072; p++) {
        b[k * 3073 + 1 + p] = (byte) (k + p);
      }
    }
    Files.write(dir.resolve(name), b);
  }

  @Test
  void readsTrainBatchesInOrderAndTheTestBatch() throws IOException {
    for (int i = 1; i <= 5; i++) {
      batch("data_batch_" + i + ".bin", 2, i);
    }
    batch("test_batch.bin", 3, 0);
    Cifar10Binary train = Cifar10Binary.load(dir, Cifar10Binary.Split.TRAIN);
    assertThat(train.size()).isEqualTo(10);
    Example e = train.get(3); // second record of data_batch_2
    assertThat(e.id()).isEqualTo("cifar10/train/3");
    assertThat(e.label()).isEqualTo(3).isEqualTo(train.label(3));
    // Channel-major: green plane starts at byte 1024 of the pixels.
    assertThat(e.image().get(1, 0, 5)).isEqualTo(((1 + 1024 + 5) & 0xff) / 255f);
    Cifar10Binary test = Cifar10Binary.load(dir, Cifar10Binary.Split.TEST);
    assertThat(test.size()).isEqualTo(3);
    assertThat(test.get(2).id()).isEqualTo("cifar10/test/2");
  }

  @Test
  void missingOrTruncatedFilesAreBadInput() throws IOException {
    assertThatThrownBy(() -> Cifar10Binary.load(dir, Cifar10Binary.Split.TEST))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("test_batch.bin");
    Files.write(dir.resolve("test_batch.bin"), new byte[100]);
    assertThatThrownBy(() -> Cifar10Binary.load(dir, Cifar10Binary.Split.TEST))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("not a whole number");
  }
}
