package io.conceptrace.core.trak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A float32 matrix with a fixed number of columns, stored row-major (little-endian) in a file and
 * accessed through memory-mapped row ranges, so that n × k features (or n × n_targets scores) need
 * not fit in the heap. Rows are appended in order while featurizing; blocks of rows are read (and,
 * for score accumulators, added to) afterwards. Not thread-safe.
 */
public final class FeatureStore implements AutoCloseable {
  private final Path file;
  private final int cols;
  private final FileChannel channel;
  private long rows;

  private FeatureStore(Path file, int cols, FileChannel channel, long rows) {
    if (cols <= 0) {
      throw new IllegalArgumentException("a feature store needs at least one column");
    }
    this.file = file;
    this.cols = cols;
    this.channel = channel;
    this.rows = rows;
  }

  /** A new, empty store (an existing file is truncated). */
  public static FeatureStore create(Path file, int cols) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      FileChannel ch =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      return new FeatureStore(file, cols, ch, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create feature store " + file, e);
    }
  }

  /** A new store of {@code rows} zero rows (a score accumulator). */
  public static FeatureStore zeros(Path file, long rows, int cols) {
    FeatureStore store = create(file, cols);
    try {
      if (rows > 0) {
        // Extending the file gives zero bytes (a sparse file on most file systems).
        store.channel.write(java.nio.ByteBuffer.allocate(1), rows * cols * Float.BYTES - 1);
      }
    } catch (IOException e) {
      store.close();
      throw new UncheckedIOException("cannot size feature store " + file, e);
    }
    store.rows = rows;
    return store;
  }

  /** Opens an existing store read-write; its row count follows from the file size. */
  public static FeatureStore open(Path file, int cols) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      long bytes = ch.size();
      long rowBytes = (long) cols * Float.BYTES;
      if (bytes % rowBytes != 0) {
        ch.close();
        throw new IllegalStateException(
            file + " holds " + bytes + " bytes, not a whole number of " + cols + "-column rows");
      }
      return new FeatureStore(file, cols, ch, bytes / rowBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open feature store " + file, e);
    }
  }

  public Path file() {
    return file;
  }

  public int cols() {
    return cols;
  }

  public long rows() {
    return rows;
  }

  /** Appends {@code count} rows taken from the start of {@code values} (row-major). */
  public void append(float[] values, int count) {
    writeRows(rows, values, count);
  }

  /** Overwrites rows [start, start+count) (may extend the store by appending). */
  public void writeRows(long start, float[] values, int count) {
    checkLength(values, count);
    if (start > rows) {
      throw new IllegalArgumentException("row " + start + " is past the end (" + rows + " rows)");
    }
    if (count == 0) {
      return;
    }
    map(start, count, FileChannel.MapMode.READ_WRITE).put(values, 0, count * cols);
    rows = Math.max(rows, start + count);
  }

  /** Adds {@code values} element-wise into rows [start, start+count). */
  public void addRows(long start, float[] values, int count) {
    checkLength(values, count);
    checkRange(start, count);
    FloatBuffer buf = map(start, count, FileChannel.MapMode.READ_WRITE);
    int n = count * cols;
    for (int i = 0; i < n; i++) {
      buf.put(i, buf.get(i) + values[i]);
    }
  }

  /** Rows [start, start+count) as a fresh row-major array. */
  public float[] readRows(long start, int count) {
    checkRange(start, count);
    float[] out = new float[count * cols];
    if (count > 0) {
      map(start, count, FileChannel.MapMode.READ_ONLY).get(out);
    }
    return out;
  }

  /** The largest number of rows whose block stays under {@code bytes} (at least one). */
  public int rowsPerBlock(long bytes) {
    return (int)
        Math.max(1, Math.min(Integer.MAX_VALUE / cols, bytes / ((long) cols * Float.BYTES)));
  }

  private FloatBuffer map(long start, int count, FileChannel.MapMode mode) {
    try {
      MappedByteBuffer mapped =
          channel.map(mode, start * cols * Float.BYTES, (long) count * cols * Float.BYTES);
      return mapped.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map rows of " + file, e);
    }
  }

  private void checkLength(float[] values, int count) {
    if (count < 0 || (long) count * cols > values.length) {
      throw new IllegalArgumentException(
          count
              + " rows of "
              + cols
              + " need "
              + ((long) count * cols)
              + " values, got "
              + values.length);
    }
  }

  private void checkRange(long start, int count) {
    if (start < 0 || count < 0 || start + count > rows) {
      throw new IndexOutOfBoundsException(
          "rows [" + start + ", " + (start + count) + ") outside [0, " + rows + ")");
    }
  }

  /** Flushes and closes the file; the data stay on disk. */
  @Override
  public void close() {
    try {
      channel.force(false);
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close feature store " + file, e);
    }
  }
}
