package io.conceptrace.core.trak;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal NumPy {@code .npy} (format 1.0) reader and writer for little-endian float32/float64
 * arrays in C order, so that {@code numpy.load} reads our score matrices without any Python on our
 * side. The header is padded so that the data starts at a multiple of 64 bytes, as numpy does.
 */
final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']*)'");
  private static final Pattern ORDER = Pattern.compile("'fortran_order':\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** An array read back: its dtype ({@code <f4} or {@code <f8}), shape and values as doubles. */
  record Array(String dtype, long[] shape, double[] values) {}

  /** The full header (magic, version, length, dict, padding) for an array of this shape. */
  static byte[] header(String dtype, long... shape) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(d).append(", ");
    }
    String shapeText =
        shape.length == 1
            ? dims.toString().trim()
            : dims.substring(0, Math.max(0, dims.length() - 2));
    String dict =
        "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + shapeText + "), }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int total = (unpadded + 63) / 64 * 64;
    String padded = dict + " ".repeat(total - unpadded) + "\n";
    ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
    buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded.length());
    buf.put(padded.getBytes(StandardCharsets.US_ASCII));
    return buf.array();
  }

  static void writeFloat32(Path file, float[] values, long... shape) throws IOException {
    checkCount(values.length, shape);
    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(values);
    write(file, header("<f4", shape), data.array());
  }

  static void writeFloat64(Path file, double[] values, long... shape) throws IOException {
    checkCount(values.length, shape);
    ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    data.asDoubleBuffer().put(values);
    write(file, header("<f8", shape), data.array());
  }

  /**
   * Writes a float32 rows×cols {@code .npy} whose data is the content of a raw little-endian
   * float32 file (e.g. a {@link FeatureStore}), streamed so that the matrix never sits in the heap.
   */
  static void writeFloat32FromRaw(Path file, Path raw, long rows, long cols) throws IOException {
    long bytes = rows * cols * 4;
    if (Files.size(raw) != bytes) {
      throw new IOException(raw + " holds " + Files.size(raw) + " bytes, expected " + bytes);
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(header("<f4", rows, cols));
      Files.copy(raw, out);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  static Array read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer pre = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, pre);
      pre.flip();
      byte[] magic = new byte[6];
      pre.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a .npy file");
      }
      byte major = pre.get();
      pre.get();
      if (major != 1) {
        throw new IOException(file + ": unsupported .npy version " + major);
      }
      int headerLen = Short.toUnsignedInt(pre.getShort());
      ByteBuffer dictBuf = ByteBuffer.allocate(headerLen);
      readFully(ch, dictBuf);
      String dict = new String(dictBuf.array(), StandardCharsets.US_ASCII);
      String dtype = group(DESCR, dict, file);
      if (group(ORDER, dict, file).equals("True")) {
        throw new IOException(file + ": Fortran order is not supported");
      }
      String[] dimTexts = group(SHAPE, dict, file).split(",");
      long[] shape =
          Arrays.stream(dimTexts)
              .map(String::trim)
              .filter(s -> !s.isEmpty())
              .mapToLong(Long::parseLong)
              .toArray();
      long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
      int width =
          switch (dtype) {
            case "<f4" -> 4;
            case "<f8" -> 8;
            default -> throw new IOException(file + ": unsupported dtype " + dtype);
          };
      ByteBuffer data =
          ByteBuffer.allocate(Math.toIntExact(count * width)).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, data);
      data.flip();
      double[] values = new double[(int) count];
      for (int i = 0; i < count; i++) {
        values[i] = width == 4 ? data.getFloat() : data.getDouble();
      }
      return new Array(dtype, shape, values);
    }
  }

  private static String group(Pattern p, String dict, Path file) throws IOException {
    Matcher m = p.matcher(dict);
    if (!m.find()) {
      throw new IOException(file + ": malformed .npy header: " + dict.trim());
    }
    return m.group(1);
  }

  private static void readFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw new IOException("unexpected end of .npy file");
      }
    }
  }

  private static void checkCount(long count, long[] shape) {
    long expected = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    if (expected != count) {
      throw new IllegalArgumentException(
          count + " values do not fill shape " + Arrays.toString(shape));
    }
  }

  private static void write(Path file, byte[] header, byte[] data) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(header);
      out.write(data);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
