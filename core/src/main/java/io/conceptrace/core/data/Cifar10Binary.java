package io.conceptrace.core.data;

import io.conceptrace.core.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * CIFAR-10 in its binary format: records of 1 label byte followed by 3072 pixel bytes (1024 red,
 * 1024 green, 1024 blue, row-major 32×32), in {@code data_batch_1.bin … data_batch_5.bin} (train)
 * and {@code test_batch.bin} (test). Ids are {@code cifar10/train/<index>} and {@code
 * cifar10/test/<index>}, indices running across the batch files in order.
 */
public final class Cifar10Binary implements ImageDataset {
  private static final int SIDE = 32;
  private static final int RECORD = 1 + 3 * SIDE * SIDE;

  /** Which files. */
  public enum Split {
    TRAIN("train"),
    TEST("test");

    private final String idName;

    Split(String idName) {
      this.idName = idName;
    }
  }

  private final Split split;
  private final byte[] records;
  private final int count;

  private Cifar10Binary(Split split, byte[] records) {
    this.split = split;
    this.records = records;
    this.count = records.length / RECORD;
  }

  /**
   * Reads a split from {@code dir} (the {@code cifar-10-batches-bin} folder).
   *
   * @throws BadInputException if a batch file is missing or its length is not a whole number of
   *     records, or a label is out of range
   */
  public static Cifar10Binary load(Path dir, Split split) {
    List<Path> files = new ArrayList<>();
    if (split == Split.TRAIN) {
      for (int i = 1; i <= 5; i++) {
        files.add(dir.resolve("data_batch_" + i + ".bin"));
      }
    } else {
      files.add(dir.resolve("test_batch.bin"));
    }
    List<byte[]> parts = new ArrayList<>();
    long total = 0;
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new BadInputException("CIFAR-10 batch file " + f + " is missing");
      }
      byte[] b;
      try {
        b = Files.readAllBytes(f);
      } catch (IOException e) {
        throw new BadInputException("cannot read " + f + ": " + e.getMessage(), e);
      }
      if (b.length == 0 || b.length % RECORD != 0) {
        throw new BadInputException(
            f + " is " + b.length + " bytes, not a whole number of " + RECORD + "-byte records");
      }
      for (int r = 0; r < b.length; r += RECORD) {
        if ((b[r] & 0xff) > 9) {
          throw new BadInputException(f + ": label " + (b[r] & 0xff) + " in record " + r / RECORD);
        }
      }
      parts.add(b);
      total += b.length;
    }
    byte[] all = new byte[Math.toIntExact(total)];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, off, p.length);
      off += p.length;
    }
    return new Cifar10Binary(split, all);
  }

  @Override
  public String name() {
    return "cifar10/" + split.idName;
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
    int base = index * RECORD;
    float[] chw = new float[RECORD - 1];
    for (int i = 0; i < chw.length; i++) {
      chw[i] = (records[base + 1 + i] & 0xff) / 255f;
    }
    return new Example(
        name() + "/" + index, records[base] & 0xff, new ImageTensor(3, SIDE, SIDE, chw), Set.of());
  }

  @Override
  public int label(int index) {
    return records[index * RECORD] & 0xff;
  }

  @Override
  public String id(int index) {
    return name() + "/" + index;
  }

  @Override
  public List<String> classNames() {
    return ClassNames.CIFAR10;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int imageSize() {
    return SIDE;
  }
}
