package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conceptrace.core.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Reading and writing a {@link Network}'s weights, in two formats.
 *
 * <p><b>Our checkpoints</b> ({@link #writeNpz}, {@link #readNpz}): the arrays (parameters then
 * buffers) as a NumPy {@code .npz} archive whose entry names are the parameter names ({@code
 * numpy.load} reads it), plus a JSON sidecar {@code <file>.json} holding the {@link
 * ArchitectureSpec}. Equal weights give equal bytes.
 *
 * <p><b>safetensors with torchvision's names</b> ({@link #readSafetensors}, {@link
 * #writeSafetensors}): the format of a PyTorch {@code state_dict} saved by {@code
 * safetensors.torch.save_file}. A torchvision ResNet's state dict has, for every batch norm, a
 * {@code num_batches_tracked} int64 scalar besides the running statistics; reading accepts it (or
 * its absence) and ignores its value (it matters to PyTorch only when momentum is None), writing
 * writes 0 so that {@code load_state_dict(strict=True)} succeeds. The file carries no architecture:
 * the reader is told it and checks every key, shape and dtype against it.
 */
public final class NetworkFiles {
  static final String FORMAT = "ctrace-network";
  static final int FORMAT_VERSION = 1;
  private static final LocalDateTime ZIP_EPOCH = LocalDateTime.of(1980, 1, 1, 0, 0);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String METADATA_KEY = "__metadata__";
  private static final String BATCHES_TRACKED = "num_batches_tracked";
  private static final String RUNNING_VAR = "running_var";

  /** How many names an error lists before it says "and N more". */
  private static final int LISTED = 5;

  private NetworkFiles() {}

  // ---------------------------------------------------------------- npz + JSON sidecar

  /** Writes the weights to {@code file} (npz) and the spec to {@code <file>.json}. */
  public static void writeNpz(Network network, Path file) {
    NDList all = new NDList();
    network.parameters().forEach((name, a) -> all.add(named(a, name)));
    network.buffers().forEach((name, a) -> all.add(named(a, name)));
    try {
      createParent(file);
      writeReproducibleNpz(all, file);
      JSON.writerWithDefaultPrettyPrinter()
          .writeValue(
              sidecarOf(file).toFile(),
              new Sidecar(
                  FORMAT,
                  FORMAT_VERSION,
                  network.spec(),
                  List.copyOf(network.parameters().keySet()),
                  List.copyOf(network.buffers().keySet())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write network to " + file, e);
    }
  }

  /**
   * Reads a network written by {@link #writeNpz}.
   *
   * @param manager the network's arrays live in a sub-manager of it, closed by {@link
   *     Network#close}
   * @throws BadInputException if either file is missing, unreadable or does not match its spec
   */
  public static Network readNpz(Path file, NDManager manager) {
    Path sidecar = sidecarOf(file);
    Sidecar meta;
    try {
      meta = JSON.readValue(sidecar.toFile(), Sidecar.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("cannot read network metadata " + sidecar + ": " + oneLine(e), e);
    }
    if (!FORMAT.equals(meta.format()) || meta.version() != FORMAT_VERSION) {
      throw new BadInputException(
          sidecar + " is not a " + FORMAT + " version " + FORMAT_VERSION + " file");
    }
    ArchitectureSpec spec = meta.architecture();
    NDManager own = manager.newSubManager();
    try {
      NDList list;
      try (InputStream in = Files.newInputStream(file)) {
        list = NDList.decode(own, in);
      } catch (NoSuchFileException e) {
        throw new BadInputException("network weights file " + file + " does not exist", e);
      } catch (IOException | RuntimeException e) {
        throw new BadInputException("cannot read network weights " + file + ": " + oneLine(e), e);
      }
      Map<String, NDArray> byName = new LinkedHashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      Map<String, NDArray> params = new LinkedHashMap<>();
      Map<String, NDArray> bufs = new LinkedHashMap<>();
      for (ParamDecl d : Network.declare(spec)) {
        NDArray a = byName.remove(d.name());
        if (a == null) {
          throw new BadInputException(file + " lacks array '" + d.name() + "' of " + spec.name());
        }
        if (!a.getShape().equals(new Shape(d.shape())) || a.getDataType() != DataType.FLOAT32) {
          throw new BadInputException(
              file
                  + ": array '"
                  + d.name()
                  + "' is "
                  + a.getDataType()
                  + a.getShape()
                  + ", expected float32"
                  + new Shape(d.shape()));
        }
        a.setName(d.name());
        (d.buffer() ? bufs : params).put(d.name(), a);
      }
      if (!byName.isEmpty()) {
        throw new BadInputException(
            file + " has arrays that " + spec.name() + " does not: " + byName.keySet());
      }
      return Network.of(spec, own, params, bufs);
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /** The JSON sidecar that {@link #writeNpz} writes next to {@code file}. */
  public static Path sidecarOf(Path file) {
    return file.resolveSibling(file.getFileName() + ".json");
  }

  /**
   * DJL's NPZ writer stamps every zip entry with the current time, so identical weights gave
   * different bytes and a byte comparison of two runs could not tell equal models from different
   * ones. The entries are copied unchanged into a zip whose entry times are fixed (the DOS epoch,
   * written as local time so the bytes do not depend on the time zone); DJL reads it as before.
   */
  private static void writeReproducibleNpz(NDList arrays, Path file) throws IOException {
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    arrays.encode(encoded, NDList.Encoding.NPZ);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(encoded.toByteArray()));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(file))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        ZipEntry fixed = new ZipEntry(entry.getName());
        fixed.setTimeLocal(ZIP_EPOCH);
        out.putNextEntry(fixed);
        in.transferTo(out);
        out.closeEntry();
      }
    }
  }

  /** The JSON sidecar's content. */
  record Sidecar(
      String format,
      int version,
      ArchitectureSpec architecture,
      List<String> parameters,
      List<String> buffers) {}

  // ---------------------------------------------------------------- safetensors

  /**
   * Reads a safetensors file with torchvision's parameter names (a PyTorch {@code state_dict}) as a
   * network of {@code spec}. Every problem is a one-line {@link BadInputException} naming the file:
   * a missing file; missing, extra and mis-shaped keys (each kind listed); a dtype other than
   * float32; NaN or infinite values (naming the tensors).
   *
   * @param manager the network's arrays live in a sub-manager of it, closed by {@link
   *     Network#close}
   */
  public static Network readSafetensors(Path file, ArchitectureSpec spec, NDManager manager) {
    byte[] bytes = readAll(file);
    Header header = parseHeader(file, bytes);
    checkKeysAndShapes(file, spec, header.tensors());
    checkDtypes(file, header.tensors());
    NDManager own = manager.newSubManager();
    try {
      NDList list;
      try {
        list = NDList.decode(own, bytes);
      } catch (RuntimeException e) {
        throw new BadInputException(file + ": cannot read safetensors data: " + oneLine(e), e);
      }
      Map<String, NDArray> byName = new LinkedHashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      List<String> nonFinite = new ArrayList<>();
      Map<String, NDArray> params = new LinkedHashMap<>();
      Map<String, NDArray> bufs = new LinkedHashMap<>();
      for (ParamDecl d : Network.declare(spec)) {
        NDArray a = byName.get(d.name());
        long bad = nonFiniteCount(a);
        if (bad > 0) {
          nonFinite.add(d.name() + " (" + bad + " of " + a.size() + ")");
        }
        (d.buffer() ? bufs : params).put(d.name(), a);
      }
      if (!nonFinite.isEmpty()) {
        throw new BadInputException(
            file
                + ": NaN or infinite values in "
                + nonFinite.size()
                + " tensors: "
                + listed(nonFinite));
      }
      // The batch counters were checked for shape and dtype; their values are not used.
      byName.forEach(
          (name, a) -> {
            if (name.endsWith("." + BATCHES_TRACKED)) {
              a.close();
            }
          });
      return Network.of(spec, own, params, bufs);
    } catch (RuntimeException e) {
      own.close();
      throw e;
    }
  }

  /**
   * Every check of {@link #readSafetensors} without an engine or NDArrays (header, keys, shapes,
   * dtypes, then NaN/Inf scanned in Java), for {@code ctrace validate}: the same one-line {@link
   * BadInputException}s naming the file.
   */
  public static void checkSafetensors(Path file, ArchitectureSpec spec) {
    byte[] bytes = readAll(file);
    Header header = parseHeader(file, bytes);
    checkKeysAndShapes(file, spec, header.tensors());
    checkDtypes(file, header.tensors());
    long dataStart = 8 + ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    List<String> nonFinite = new ArrayList<>();
    for (ParamDecl d : Network.declare(spec)) {
      TensorInfo t = header.tensors().get(d.name());
      long bad = 0;
      for (long at = dataStart + t.begin(); at < dataStart + t.end(); at += 4) {
        bad += Float.isFinite(data.getFloat((int) at)) ? 0 : 1;
      }
      if (bad > 0) {
        nonFinite.add(d.name() + " (" + bad + " of " + (t.end() - t.begin()) / 4 + ")");
      }
    }
    if (!nonFinite.isEmpty()) {
      throw new BadInputException(
          file
              + ": NaN or infinite values in "
              + nonFinite.size()
              + " tensors: "
              + listed(nonFinite));
    }
  }

  /** As {@link #writeSafetensors(Network, Map, Path)} without metadata. */
  public static void writeSafetensors(Network network, Path file) {
    writeSafetensors(network, Map.of(), file);
  }

  /**
   * Writes the parameters and buffers with torchvision's names in {@code state_dict} order (each
   * batch norm's {@code num_batches_tracked} = 0 after its running variance), so that {@code
   * torchvision.models.resnet18(num_classes=...)} with the same stem and width 1.0 loads it with
   * {@code load_state_dict(safetensors.torch.load_file(path))}. {@code metadata} goes into the
   * header's {@code __metadata__} (string to string, as safetensors allows).
   *
   * <p>Written here rather than by DJL's {@code NDList.encode(SAFETENSORS)}, which keeps the header
   * in hash order and cannot write {@code __metadata__}: this writer puts the tensors in
   * declaration order and pads the header to 8 bytes as the Python writer does, so equal weights
   * give equal bytes and equal {@link #contentHash}es.
   */
  public static void writeSafetensors(Network network, Map<String, String> metadata, Path file) {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = header.putObject(METADATA_KEY);
      metadata.forEach(meta::put);
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (ParamDecl d : Network.declare(network.spec())) {
      NDArray a = d.buffer() ? network.buffers().get(d.name()) : network.parameters().get(d.name());
      float[] values = a.toFloatArray();
      ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(values);
      putTensor(header, d.name(), "F32", d.shape(), data, bytes.array());
      if (d.buffer() && d.name().endsWith("." + RUNNING_VAR)) {
        String module = d.name().substring(0, d.name().length() - RUNNING_VAR.length() - 1);
        putTensor(header, module + "." + BATCHES_TRACKED, "I64", new long[0], data, new byte[8]);
      }
    }
    byte[] json;
    try {
      json = JSON.writeValueAsBytes(header);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode the safetensors header of " + file, e);
    }
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    java.util.Arrays.fill(headerBytes, (byte) ' ');
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    try {
      createParent(file);
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(headerBytes);
        data.writeTo(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write network to " + file, e);
    }
  }

  /**
   * The header's {@code __metadata__} (empty if it has none).
   *
   * @throws BadInputException if the file is missing or not a safetensors file
   */
  public static Map<String, String> safetensorsMetadata(Path file) {
    return parseHeader(file, readAll(file)).metadata();
  }

  /**
   * SHA-256 of the file's bytes, as 64 lower-case hex digits: what identifies an imported
   * checkpoint in cell ids.
   *
   * @throws BadInputException if the file is missing or unreadable
   */
  public static String contentHash(Path file) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    } catch (NoSuchFileException e) {
      throw new BadInputException(file + " does not exist", e);
    } catch (IOException e) {
      throw new BadInputException("cannot read " + file + ": " + oneLine(e), e);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** One tensor's header entry. */
  private record TensorInfo(String dtype, long[] shape, long begin, long end) {}

  /** A parsed header: tensors in file order, and the metadata. */
  private record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {}

  private static void putTensor(
      ObjectNode header,
      String name,
      String dtype,
      long[] shape,
      ByteArrayOutputStream data,
      byte[] bytes) {
    ObjectNode t = header.putObject(name);
    t.put("dtype", dtype);
    ArrayNode s = t.putArray("shape");
    for (long v : shape) {
      s.add(v);
    }
    ArrayNode offsets = t.putArray("data_offsets");
    offsets.add(data.size());
    data.writeBytes(bytes);
    offsets.add(data.size());
  }

  private static byte[] readAll(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new BadInputException("checkpoint " + file + " does not exist", e);
    } catch (IOException e) {
      throw new BadInputException("cannot read checkpoint " + file + ": " + oneLine(e), e);
    }
  }

  /**
   * The header, checked as the safetensors format requires (8-byte little-endian length, a JSON
   * object of {dtype, shape, data_offsets}, offsets inside the data and sized by dtype and shape).
   */
  private static Header parseHeader(Path file, byte[] bytes) {
    String notSafetensors = file + ": not a safetensors file (";
    if (bytes.length < 8) {
      throw new BadInputException(notSafetensors + "only " + bytes.length + " bytes)");
    }
    long length = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (length < 2 || length > bytes.length - 8) {
      throw new BadInputException(
          notSafetensors + "header length " + length + " in a " + bytes.length + "-byte file)");
    }
    JsonNode root;
    try {
      root = JSON.readTree(new String(bytes, 8, (int) length, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new BadInputException(notSafetensors + "header is not JSON: " + oneLine(e) + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException(notSafetensors + "header is not a JSON object)");
    }
    long dataLength = bytes.length - 8 - length;
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode t = e.getValue();
      if (name.equals(METADATA_KEY)) {
        t.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode dtype = t.get("dtype");
      JsonNode shape = t.get("shape");
      JsonNode offsets = t.get("data_offsets");
      if (dtype == null
          || !dtype.isTextual()
          || shape == null
          || !shape.isArray()
          || offsets == null
          || !offsets.isArray()
          || offsets.size() != 2) {
        throw new BadInputException(
            notSafetensors + "tensor '" + name + "' lacks dtype, shape or data_offsets)");
      }
      long[] dims = new long[shape.size()];
      long elements = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = shape.get(i).asLong(-1);
        if (dims[i] < 0) {
          throw new BadInputException(notSafetensors + "tensor '" + name + "' has a bad shape)");
        }
        elements *= dims[i];
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      int size = bytesPerElement(dtype.asText());
      if (begin < 0
          || end < begin
          || end > dataLength
          || (size > 0 && end - begin != elements * size)) {
        throw new BadInputException(
            notSafetensors + "tensor '" + name + "' has data offsets that do not fit its shape)");
      }
      tensors.put(name, new TensorInfo(dtype.asText(), dims, begin, end));
    }
    return new Header(tensors, metadata);
  }

  /** Bytes per element of a safetensors dtype, or 0 if this reader does not know it. */
  private static int bytesPerElement(String dtype) {
    return switch (dtype) {
      case "F64", "I64", "U64" -> 8;
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "I8", "U8", "BOOL" -> 1;
      default -> 0;
    };
  }

  private static void checkKeysAndShapes(
      Path file, ArchitectureSpec spec, Map<String, TensorInfo> tensors) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    List<String> optional = new ArrayList<>();
    for (ParamDecl d : Network.declare(spec)) {
      expected.put(d.name(), d.shape());
      if (d.buffer() && d.name().endsWith("." + RUNNING_VAR)) {
        String module = d.name().substring(0, d.name().length() - RUNNING_VAR.length() - 1);
        optional.add(module + "." + BATCHES_TRACKED);
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> misShaped = new ArrayList<>();
    expected.forEach(
        (name, shape) -> {
          TensorInfo t = tensors.get(name);
          if (t == null) {
            missing.add(name);
          } else if (!java.util.Arrays.equals(t.shape(), shape)) {
            misShaped.add(name + " " + new Shape(t.shape()) + " instead of " + new Shape(shape));
          }
        });
    List<String> extra = new ArrayList<>();
    for (Map.Entry<String, TensorInfo> e : tensors.entrySet()) {
      String name = e.getKey();
      if (optional.contains(name)) {
        if (e.getValue().shape().length != 0) {
          misShaped.add(name + " " + new Shape(e.getValue().shape()) + " instead of a scalar");
        }
      } else if (!expected.containsKey(name)) {
        extra.add(name);
      }
    }
    if (missing.isEmpty() && extra.isEmpty() && misShaped.isEmpty()) {
      return;
    }
    List<String> problems = new ArrayList<>();
    if (!missing.isEmpty()) {
      problems.add(count(missing.size(), "missing key") + " (" + listed(missing) + ")");
    }
    if (!extra.isEmpty()) {
      problems.add(count(extra.size(), "extra key") + " (" + listed(extra) + ")");
    }
    if (!misShaped.isEmpty()) {
      problems.add(count(misShaped.size(), "mis-shaped key") + " (" + listed(misShaped) + ")");
    }
    throw new BadInputException(
        file + " does not fit " + describe(spec) + ": " + String.join("; ", problems));
  }

  private static void checkDtypes(Path file, Map<String, TensorInfo> tensors) {
    List<String> wrong = new ArrayList<>();
    tensors.forEach(
        (name, t) -> {
          boolean counter = name.endsWith("." + BATCHES_TRACKED);
          String want = counter ? "I64" : "F32";
          if (!t.dtype().equals(want)) {
            wrong.add(name + " is " + t.dtype() + (counter ? " (must be I64)" : ""));
          }
        });
    if (!wrong.isEmpty()) {
      throw new BadInputException(
          file
              + ": weights must be float32 (safetensors F32), but "
              + count(wrong.size(), "tensor")
              + " differ: "
              + listed(wrong));
    }
  }

  private static long nonFiniteCount(NDArray a) {
    try (NDArray nan = a.isNaN();
        NDArray inf = a.isInfinite();
        NDArray either = nan.logicalOr(inf);
        NDArray count = either.countNonzero()) {
      return count.getLong();
    }
  }

  /** The architecture in words, for error messages. */
  static String describe(ArchitectureSpec spec) {
    return spec.name()
        + " (width "
        + spec.width()
        + ", "
        + (spec.smallStem() ? "small" : "standard")
        + " stem, "
        + spec.inputChannels()
        + " input channels, "
        + spec.classes()
        + " classes)";
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  /** The first few items, then how many more. */
  private static String listed(List<String> items) {
    String head = String.join(", ", items.subList(0, Math.min(LISTED, items.size())));
    return items.size() > LISTED ? head + " and " + (items.size() - LISTED) + " more" : head;
  }

  private static void createParent(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  private static NDArray named(NDArray a, String name) {
    a.setName(name);
    return a;
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").trim();
  }
}
