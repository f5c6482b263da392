package io.conceptrace.dsl.matrix;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes a small-cnn checkpoint as PyTorch's safetensors writer would (torchvision-style names, F32
 * little-endian, the batch norms' {@code num_batches_tracked} as I64), written here from the
 * format's definition rather than with core's writer, so that the loader is tested against the
 * format and not against itself.
 */
final class SmallCnnSafetensors {
  private SmallCnnSafetensors() {}

  /** small-cnn's tensors for {@code width}, 3 input channels and 10 classes. */
  static List<Object[]> tensors(double width) {
    List<Object[]> out = new ArrayList<>();
    int c0 = (int) Math.round(16 * width);
    out.add(new Object[] {"conv1.weight", new long[] {c0, 3, 3, 3}});
    bn(out, "bn1", c0);
    int prev = c0;
    int[] base = {32, 64, 128};
    for (int i = 0; i < 3; i++) {
      int c = (int) Math.round(base[i] * width);
      out.add(new Object[] {"layer" + (i + 1) + ".0.weight", new long[] {c, prev, 3, 3}});
      bn(out, "layer" + (i + 1) + ".1", c);
      prev = c;
    }
    out.add(new Object[] {"fc.weight", new long[] {10, prev}});
    out.add(new Object[] {"fc.bias", new long[] {10}});
    return out;
  }

  private static void bn(List<Object[]> out, String m, int c) {
    for (String p : List.of("weight", "bias", "running_mean", "running_var")) {
      out.add(new Object[] {m + "." + p, new long[] {c}});
    }
  }

  /** Random weights from {@code seed} (running variances positive). */
  static void write(Path file, double width, long seed) throws IOException {
    Random rng = new Random(seed);
    StringBuilder header = new StringBuilder("{");
    java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
    for (Object[] t : tensors(width)) {
      String name = (String) t[0];
      long[] shape = (long[]) t[1];
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < n; i++) {
        b.putFloat(name.endsWith("running_var") ? 0.5f + rng.nextFloat() : rng.nextFloat() - 0.5f);
      }
      entry(header, name, "F32", java.util.Arrays.toString(shape), data.size(), n * 4);
      data.writeBytes(b.array());
      if (name.endsWith("running_var")) {
        String counter = name.replace("running_var", "num_batches_tracked");
        entry(header, counter, "I64", "[]", data.size(), 8);
        data.writeBytes(new byte[8]);
      }
    }
    header.setCharAt(header.length() - 1, '}');
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
      out.write(json);
      data.writeTo(out);
    }
  }

  private static void entry(
      StringBuilder header, String name, String dtype, String shape, long begin, long bytes) {
    header
        .append('"')
        .append(name)
        .append("\":{\"dtype\":\"")
        .append(dtype)
        .append("\",\"shape\":")
        .append(shape.replace(" ", ""))
        .append(",\"data_offsets\":[")
        .append(begin)
        .append(',')
        .append(begin + bytes)
        .append("]},");
  }
}
