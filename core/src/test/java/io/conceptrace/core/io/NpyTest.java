package io.conceptrace.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
  @TempDir Path dir;

  @Test
  void headerIsByteForByteWhatNumpySaveWrites() throws IOException {
    // numpy.save(f, np.zeros((2, 3), np.float32)) writes exactly this 128-byte-aligned header
    // (numpy >= 1.14 pads to 64 bytes): magic, 1.0, len=118, dict, spaces, newline.
    Path f = dir.resolve("a.npy");
    Npy.writeFloat32(f, new float[6], 2, 3);
    byte[] bytes = Files.readAllBytes(f);
    assertThat(bytes).hasSize(128 + 6 * 4);
    assertThat(Arrays.copyOf(bytes, 8)).containsExactly((byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0);
    int headerLen = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
    assertThat(headerLen).isEqualTo(118);
    String dict = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
    assertThat(dict).startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    assertThat(dict).endsWith(" \n");
  }

  @Test
  void oneDimensionalShapeUsesPythonTupleSyntax() {
    Path f = dir.resolve("v.npy");
    Npy.writeFloat64(f, new double[] {1.5, -2}, 2);
    assertThat(new String(Npy.headerBytes(Npy.readHeader(f)), StandardCharsets.US_ASCII))
        .contains("'shape': (2,), }");
    assertThat(Npy.readFloat64(f)).containsExactly(1.5, -2);
  }

  @Test
  void roundTripsFloat32InPiecesAndValuesAreLittleEndian() {
    Path f = dir.resolve("m.npy");
    float[] data = new float[3 * 40_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = i * 0.25f - 7;
    }
    try (Npy.FloatWriter w = Npy.openFloat32(f, 3, 40_000)) {
      w.write(data, 0, 40_000);
      w.write(data, 40_000, 80_000);
    }
    assertThat(Npy.readHeader(f))
        .isEqualTo(new Npy.Header(Npy.DType.FLOAT32, new long[] {3, 40_000}));
    assertThat(Npy.readFloat32(f)).containsExactly(data);
    assertThat(Npy.readFloat64(f)[5]).isEqualTo(5 * 0.25 - 7);
  }

  @Test
  void roundTripsInt64() {
    Path f = dir.resolve("i.npy");
    Npy.writeInt64(f, new long[] {1, -2, Long.MAX_VALUE, 4}, 2, 2);
    assertThat(Npy.readInt64(f)).containsExactly(1, -2, Long.MAX_VALUE, 4);
  }

  @Test
  void writerRefusesAShortOrLongWrite() {
    Path f = dir.resolve("short.npy");
    Npy.FloatWriter w = Npy.openFloat32(f, 4);
    w.write(new float[3], 0, 3);
    assertThatThrownBy(w::close).hasMessageContaining("wrote 3 of the declared 4");
    try (Npy.FloatWriter w2 = Npy.openFloat32(dir.resolve("long.npy"), 2)) {
      assertThatThrownBy(() -> w2.write(new float[3], 0, 3)).hasMessageContaining("past");
      w2.write(new float[2], 0, 2);
    }
  }

  @Test
  void rejectsWrongTypeTruncatedAndNonNpyFilesByName() throws IOException {
    Path f = dir.resolve("d.npy");
    Npy.writeFloat64(f, new double[] {1}, 1);
    assertThatThrownBy(() -> Npy.readFloat32(f))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("d.npy")
        .hasMessageContaining("expected dtype <f4");

    Path t = dir.resolve("t.npy");
    Npy.writeFloat32(t, new float[8], 8);
    byte[] bytes = Files.readAllBytes(t);
    Files.write(t, Arrays.copyOf(bytes, bytes.length - 4));
    assertThatThrownBy(() -> Npy.readFloat32(t))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("truncated");

    Path x = dir.resolve("x.npy");
    Files.writeString(x, "hello world, not numpy");
    assertThatThrownBy(() -> Npy.readHeader(x))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bad magic");

    assertThatThrownBy(() -> Npy.readHeader(dir.resolve("missing.npy")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("missing.npy");
  }

  @Test
  void readsAVersion2HeaderAndAScalar() throws IOException {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    int len = 128 - 12;
    StringBuilder text = new StringBuilder(dict);
    while (text.length() < len - 1) {
      text.append(' ');
    }
    text.append('\n');
    ByteBuffer b = ByteBuffer.allocate(128 + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0}).putInt(len);
    b.put(text.toString().getBytes(StandardCharsets.US_ASCII)).putFloat(3.5f);
    Path f = dir.resolve("s.npy");
    Files.write(f, b.array());
    assertThat(Npy.readHeader(f).shape()).isEmpty();
    assertThat(Npy.readFloat32(f)).containsExactly(3.5f);
  }
}
