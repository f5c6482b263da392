package io.conceptrace.core.io;

import io.conceptrace.core.BadInputException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * NumPy's {@code .npy} format (version 1.0 when writing; 1.0, 2.0 and 3.0 when reading), for
 * little-endian, C-ordered {@code float32} ({@code <f4}), {@code float64} ({@code <f8}) and {@code
 * int64} ({@code <i8}) arrays — what {@code numpy.load} reads and {@code numpy.save} writes.
 *
 * <p>The format (numpy's {@code format.py} documents it): the magic {@code \x93NUMPY}, a major and
 * minor version byte, the header length (uint16 little-endian for v1, uint32 for v2/v3), then an
 * ASCII Python dict literal {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }}
 * padded with spaces and a final newline so that the data starts at a multiple of 64 bytes, then
 * the raw data.
 *
 * <p>Large arrays are written and read in a stream ({@link #openFloat32}, {@link Reader}) so that
 * an activation matrix never needs a second copy in memory.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGNMENT = 64;
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** The element types this class reads and writes. */
  public enum DType {
    FLOAT32("<f4", 4),
    FLOAT64("<f8", 8),
    INT64("<i8", 8);

    private final String descr;
    private final int bytes;

    DType(String descr, int bytes) {
      this.descr = descr;
      this.bytes = bytes;
    }

    /** NumPy's type string, e.g. {@code <f4}. */
    public String descr() {
      return descr;
    }

    public int bytes() {
      return bytes;
    }

    static DType of(String descr, Path file) {
      for (DType t : values()) {
        if (t.descr.equals(descr)) {
          return t;
        }
      }
      throw new BadInputException(
          file + ": unsupported .npy dtype '" + descr + "' (supported: <f4, <f8, <i8)");
    }
  }

  /** What a file's header says: the element type and the shape (empty for a scalar). */
  public record Header(DType dtype, long[] shape) {
    public Header {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** The number of elements (the product of the shape). */
    public long count() {
      long n = 1;
      for (long s : shape) {
        n *= s;
      }
      return n;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Header h && h.dtype == dtype && Arrays.equals(h.shape, shape);
    }

    @Override
    public int hashCode() {
      return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
      return dtype.descr() + Arrays.toString(shape);
    }
  }

  /** Writes a float32 array of the given shape (C order). */
  public static void writeFloat32(Path file, float[] data, long... shape) {
    try (FloatWriter w = openFloat32(file, shape)) {
      w.write(data, 0, data.length);
    }
  }

  /** Writes a float64 array of the given shape (C order). */
  public static void writeFloat64(Path file, double[] data, long... shape) {
    checkCount(data.length, shape);
    ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asDoubleBuffer().put(data);
    writeWhole(file, new Header(DType.FLOAT64, shape), buf.array());
  }

  /** Writes an int64 array of the given shape (C order). */
  public static void writeInt64(Path file, long[] data, long... shape) {
    checkCount(data.length, shape);
    ByteBuffer buf = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.asLongBuffer().put(data);
    writeWhole(file, new Header(DType.INT64, shape), buf.array());
  }

  /**
   * Opens a float32 file of a known shape for writing in pieces (row blocks of a large matrix).
   * {@link FloatWriter#close()} fails if fewer or more elements than the shape holds were written.
   */
  public static FloatWriter openFloat32(Path file, long... shape) {
    return new FloatWriter(file, new Header(DType.FLOAT32, shape));
  }

  /** Reads a whole float32 file (at most 2^31 - 1 elements). */
  public static float[] readFloat32(Path file) {
    try (Reader r = Reader.open(file)) {
      r.expect(DType.FLOAT32);
      float[] out = new float[toIntCount(r.header(), file)];
      r.readFloats(out, 0, out.length);
      return out;
    }
  }

  /** Reads a whole float64 file; float32 data are widened. */
  public static double[] readFloat64(Path file) {
    try (Reader r = Reader.open(file)) {
      int n = toIntCount(r.header(), file);
      double[] out = new double[n];
      if (r.header().dtype() == DType.FLOAT32) {
        float[] f = new float[n];
        r.readFloats(f, 0, n);
        for (int i = 0; i < n; i++) {
          out[i] = f[i];
        }
      } else {
        r.expect(DType.FLOAT64);
        ByteBuffer b = r.readBytes((long) n * 8);
        b.asDoubleBuffer().get(out);
      }
      return out;
    }
  }

  /** Reads a whole int64 file. */
  public static long[] readInt64(Path file) {
    try (Reader r = Reader.open(file)) {
      r.expect(DType.INT64);
      int n = toIntCount(r.header(), file);
      long[] out = new long[n];
      r.readBytes((long) n * 8).asLongBuffer().get(out);
      return out;
    }
  }

  /** Reads only the header. */
  public static Header readHeader(Path file) {
    try (Reader r = Reader.open(file)) {
      return r.header();
    }
  }

  /** The exact header bytes (magic, version, length, padded dict) numpy writes for a v1.0 file. */
  static byte[] headerBytes(Header header) {
    String shape =
        header.shape.length == 1
            ? "(" + header.shape[0] + ",)"
            : Arrays.stream(header.shape)
                .mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "(", ")"));
    String dict =
        "{'descr': '"
            + header.dtype.descr()
            + "', 'fortran_order': False, 'shape': "
            + shape
            + ", }";
    int prefix = MAGIC.length + 2 + 2;
    int unpadded = prefix + dict.length() + 1; // + newline
    int total = (unpadded + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    int headerLen = total - prefix;
    if (headerLen > 0xFFFF) {
      throw new IllegalArgumentException("shape too long for a .npy v1.0 header: " + shape);
    }
    StringBuilder text = new StringBuilder(dict);
    while (text.length() < headerLen - 1) {
      text.append(' ');
    }
    text.append('\n');
    ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) headerLen);
    out.put(text.toString().getBytes(StandardCharsets.US_ASCII));
    return out.array();
  }

  private static void writeWhole(Path file, Header header, byte[] data) {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(headerBytes(header));
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void checkCount(long n, long[] shape) {
    long expected = new Header(DType.FLOAT32, shape).count();
    if (n != expected) {
      throw new IllegalArgumentException(
          n + " elements do not fill shape " + Arrays.toString(shape));
    }
  }

  private static int toIntCount(Header header, Path file) {
    long n = header.count();
    if (n > Integer.MAX_VALUE - 8) {
      throw new BadInputException(
          file + ": " + n + " elements is too many to read into one Java array; use Npy.Reader");
    }
    return (int) n;
  }

  /** Streams float32 data into a file whose header (with the final shape) is written first. */
  public static final class FloatWriter implements AutoCloseable {
    private final Path file;
    private final OutputStream out;
    private final long expected;
    private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long written;
    private boolean closed;

    private FloatWriter(Path file, Header header) {
      this.file = file;
      this.expected = header.count();
      try {
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        out.write(headerBytes(header));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }

    /** Appends {@code length} values from {@code data[offset...]}. */
    public void write(float[] data, int offset, int length) {
      if (written + length > expected) {
        throw new IllegalStateException(
            file + ": writing past the declared " + expected + " elements");
      }
      try {
        int i = 0;
        while (i < length) {
          scratch.clear();
          int n = Math.min(length - i, scratch.capacity() / 4);
          scratch.asFloatBuffer().put(data, offset + i, n);
          out.write(scratch.array(), 0, n * 4);
          i += n;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
      written += length;
    }

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
      if (written != expected) {
        throw new IllegalStateException(
            file + ": wrote " + written + " of the declared " + expected + " elements");
      }
    }
  }

  /** Reads a file's header, then its data in pieces. */
  public static final class Reader implements AutoCloseable {
    private final Path file;
    private final DataInputStream in;
    private final Header header;
    private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    private Reader(Path file, DataInputStream in, Header header) {
      this.file = file;
      this.in = in;
      this.header = header;
    }

    /**
     * Opens a file and parses its header.
     *
     * @throws BadInputException if it is missing, not an .npy file, Fortran-ordered, big-endian or
     *     of another type
     */
    public static Reader open(Path file) {
      if (!Files.isRegularFile(file)) {
        throw new BadInputException(file + ": no such .npy file");
      }
      DataInputStream in;
      try {
        InputStream raw = Files.newInputStream(file);
        in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
      } catch (IOException e) {
        throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
      try {
        return new Reader(file, in, parseHeader(file, in));
      } catch (RuntimeException e) {
        closeQuietly(in);
        throw e;
      }
    }

    private static Header parseHeader(Path file, DataInputStream in) {
      try {
        byte[] magic = new byte[MAGIC.length];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
          throw new BadInputException(file + ": not a .npy file (bad magic)");
        }
        int major = in.readUnsignedByte();
        in.readUnsignedByte();
        long len;
        if (major == 1) {
          len = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
        } else if (major == 2 || major == 3) {
          len = Integer.toUnsignedLong(Integer.reverseBytes(in.readInt()));
        } else {
          throw new BadInputException(file + ": unsupported .npy version " + major);
        }
        byte[] text = new byte[Math.toIntExact(len)];
        in.readFully(text);
        String dict =
            new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(dict);
        Matcher f = FORTRAN.matcher(dict);
        Matcher s = SHAPE.matcher(dict);
        if (!d.find() || !f.find() || !s.find()) {
          throw new BadInputException(file + ": malformed .npy header " + dict.strip());
        }
        if (f.group(1).equals("True")) {
          throw new BadInputException(file + ": Fortran-ordered .npy arrays are not supported");
        }
        DType dtype = DType.of(d.group(1), file);
        String[] parts = s.group(1).split(",");
        long[] shape =
            Arrays.stream(parts)
                .map(String::strip)
                .filter(p -> !p.isEmpty())
                .mapToLong(
                    p -> Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p))
                .toArray();
        return new Header(dtype, shape);
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated .npy header", e);
      } catch (NumberFormatException e) {
        throw new BadInputException(file + ": malformed .npy shape", e);
      } catch (IOException e) {
        throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
    }

    public Header header() {
      return header;
    }

    /** Fails unless the file holds {@code dtype}. */
    public void expect(DType dtype) {
      if (header.dtype() != dtype) {
        throw new BadInputException(
            file + ": expected dtype " + dtype.descr() + " but the file holds " + header);
      }
    }

    /** Reads the next {@code length} float32 values into {@code dst[offset...]}. */
    public void readFloats(float[] dst, int offset, int length) {
      expect(DType.FLOAT32);
      try {
        int i = 0;
        while (i < length) {
          int n = Math.min(length - i, scratch.capacity() / 4);
          in.readFully(scratch.array(), 0, n * 4);
          scratch.clear();
          scratch.asFloatBuffer().get(dst, offset + i, n);
          i += n;
        }
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated .npy data (shape " + header + ")", e);
      } catch (IOException e) {
        throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
    }

    /**
     * Reads the next {@code bytes} raw little-endian bytes into a direct buffer (for handing a
     * block straight to native memory without a Java array copy).
     */
    public ByteBuffer readBytes(long bytes) {
      ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(bytes));
      out.order(ByteOrder.LITTLE_ENDIAN);
      try {
        while (out.hasRemaining()) {
          int n = Math.min(out.remaining(), scratch.capacity());
          in.readFully(scratch.array(), 0, n);
          out.put(scratch.array(), 0, n);
        }
      } catch (EOFException e) {
        throw new BadInputException(file + ": truncated .npy data (shape " + header + ")", e);
      } catch (IOException e) {
        throw new BadInputException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
      out.flip();
      return out;
    }

    @Override
    public void close() {
      closeQuietly(in);
    }

    private static void closeQuietly(InputStream in) {
      try {
        in.close();
      } catch (IOException e) {
        // Nothing was written; a failed close of a read-only stream loses nothing.
      }
    }
  }
}
