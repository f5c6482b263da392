package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkFilesTest {
  private static final ArchitectureSpec SMALL =
      new ArchitectureSpec("resnet10", 0.125, true, 3, 16, 4);
  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  private NDArray input(ArchitectureSpec spec, int batch, long seed) {
    manager.getEngine().setRandomSeed((int) seed);
    return manager.randomNormal(
        new Shape(batch, spec.inputChannels(), spec.imageSize(), spec.imageSize()));
  }

  @Test
  void saveAndLoadRoundTripExactly(@TempDir Path dir) throws Exception {
    ArchitectureSpec spec = new ArchitectureSpec("resnet10", 0.25, false, 1, 24, 6);
    Path file = dir.resolve("sub/model.npz");
    try (Network net = Network.create(spec, manager, 12)) {
      NDArray x = input(spec, 4, 2);
      net.forward(x, Mode.TRAIN); // non-trivial running statistics
      NetworkFiles.writeNpz(net, file);
      assertThat(Files.readString(NetworkFiles.sidecarOf(file)))
          .contains("\"format\" : \"ctrace-network\"")
          .contains("\"name\" : \"resnet10\"");
      try (Network back = NetworkFiles.readNpz(file, manager)) {
        assertThat(back.spec()).isEqualTo(spec);
        assertThat(back.parameters().keySet()).containsExactlyElementsOf(net.parameters().keySet());
        assertThat(back.buffers().keySet()).containsExactlyElementsOf(net.buffers().keySet());
        for (var e : net.parameters().entrySet()) {
          assertThat(back.parameters().get(e.getKey()).contentEquals(e.getValue())).isTrue();
        }
        for (var e : net.buffers().entrySet()) {
          assertThat(back.buffers().get(e.getKey()).contentEquals(e.getValue())).isTrue();
        }
        assertThat(back.forward(x, Mode.EVAL).contentEquals(net.forward(x, Mode.EVAL))).isTrue();
      }
    }
  }

  @Test
  void identicalWeightsGiveIdenticalFileBytesWhenSavedAtDifferentTimes(@TempDir Path dir)
      throws Exception {
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 0.25, true, 3, 16, 4);
    try (Network net = Network.create(spec, manager, 3)) {
      NetworkFiles.writeNpz(net, dir.resolve("a.npz"));
      // Zip entry times have a two-second resolution: a later save must still match.
      Thread.sleep(2100);
      NetworkFiles.writeNpz(net, dir.resolve("b.npz"));
    }
    assertThat(Files.readAllBytes(dir.resolve("a.npz")))
        .isEqualTo(Files.readAllBytes(dir.resolve("b.npz")));
    try (var zip = new java.util.zip.ZipFile(dir.resolve("a.npz").toFile())) {
      assertThat(zip.stream().map(e -> e.getTimeLocal().getYear()).distinct())
          .containsExactly(1980);
    }
  }

  @Test
  void loadingMissingOrMismatchedFilesIsABadInput(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.npz");
    assertThatThrownBy(() -> NetworkFiles.readNpz(missing, manager))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("none.npz.json");

    Path file = dir.resolve("m.npz");
    try (Network net =
        Network.create(new ArchitectureSpec("small-cnn", 0.25, true, 3, 8, 3), manager, 1)) {
      NetworkFiles.writeNpz(net, file);
    }
    // Same weights, but the sidecar claims another width: shapes no longer match.
    String json = Files.readString(NetworkFiles.sidecarOf(file)).replace("0.25", "0.5");
    Files.writeString(NetworkFiles.sidecarOf(file), json);
    assertThatThrownBy(() -> NetworkFiles.readNpz(file, manager))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("m.npz")
        .hasMessageContaining("conv1.weight");
  }

  @Test
  void safetensorsRoundTripExactlyWithTorchvisionStateDictKeys(@TempDir Path dir) throws Exception {
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 0.125, false, 3, 32, 10);
    Path file = dir.resolve("sub/model.safetensors");
    try (Network net = Network.create(spec, manager, 5)) {
      NDArray x = input(spec, 4, 1);
      net.forward(x, Mode.TRAIN); // non-trivial running statistics
      NetworkFiles.writeSafetensors(net, Map.of("normalization", "[0.5, 0.25]"), file);
      assertThat(NetworkFiles.safetensorsMetadata(file))
          .containsExactly(Map.entry("normalization", "[0.5, 0.25]"));
      try (Network back = NetworkFiles.readSafetensors(file, spec, manager)) {
        assertThat(back.spec()).isEqualTo(spec);
        assertThat(back.parameters().keySet()).containsExactlyElementsOf(net.parameters().keySet());
        assertThat(back.buffers().keySet()).containsExactlyElementsOf(net.buffers().keySet());
        for (var e : net.parameters().entrySet()) {
          assertThat(back.parameters().get(e.getKey()).contentEquals(e.getValue()))
              .as(e.getKey())
              .isTrue();
        }
        for (var e : net.buffers().entrySet()) {
          assertThat(back.buffers().get(e.getKey()).contentEquals(e.getValue()))
              .as(e.getKey())
              .isTrue();
        }
        assertThat(back.forward(x, Mode.EVAL).contentEquals(net.forward(x, Mode.EVAL))).isTrue();
      }
    }
    // DJL's own reader sees torchvision's state_dict: 62 parameters, 20 batch norms with running
    // mean, variance and an int64 scalar batch counter, in state_dict order.
    try (NDManager sub = manager.newSubManager()) {
      NDList all = NDList.decode(sub, Files.readAllBytes(file));
      List<String> names = all.stream().map(NDArray::getName).toList();
      assertThat(names).hasSize(62 + 3 * 20);
      assertThat(names)
          .startsWith(
              "conv1.weight",
              "bn1.weight",
              "bn1.bias",
              "bn1.running_mean",
              "bn1.running_var",
              "bn1.num_batches_tracked",
              "layer1.0.conv1.weight")
          .contains("layer2.0.downsample.1.num_batches_tracked")
          .endsWith("fc.weight", "fc.bias");
      NDArray counter = all.get(names.indexOf("bn1.num_batches_tracked"));
      assertThat(counter.getDataType()).isEqualTo(DataType.INT64);
      assertThat(counter.getShape().dimension()).isZero();
    }
  }

  @Test
  void equalWeightsGiveEqualBytesAndContentHashes(@TempDir Path dir) throws Exception {
    try (Network a = Network.create(SMALL, manager, 3);
        Network b = Network.create(SMALL, manager, 4)) {
      NetworkFiles.writeSafetensors(a, dir.resolve("a1.safetensors"));
      NetworkFiles.writeSafetensors(a, dir.resolve("a2.safetensors"));
      NetworkFiles.writeSafetensors(b, dir.resolve("b.safetensors"));
    }
    assertThat(Files.readAllBytes(dir.resolve("a1.safetensors")))
        .isEqualTo(Files.readAllBytes(dir.resolve("a2.safetensors")));
    String hash = NetworkFiles.contentHash(dir.resolve("a1.safetensors"));
    assertThat(hash).hasSize(64).isEqualTo(NetworkFiles.contentHash(dir.resolve("a2.safetensors")));
    assertThat(NetworkFiles.contentHash(dir.resolve("b.safetensors"))).isNotEqualTo(hash);
    // The header is padded to a multiple of 8 bytes, as the Python writer pads it.
    byte[] bytes = Files.readAllBytes(dir.resolve("a1.safetensors"));
    long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
    // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    Path abc = Files.writeString(dir.resolve("abc.txt"), "abc");
    assertThat(NetworkFiles.contentHash(abc))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThatThrownBy(() -> NetworkFiles.contentHash(dir.resolve("none.safetensors")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("none.safetensors does not exist");
  }

  @Test
  void readsFilesWithoutBatchCountersAsDjlWritesThem(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("djl.safetensors");
    try (Network net = Network.create(SMALL, manager, 9)) {
      NDList all = new NDList();
      net.parameters().forEach((name, a) -> all.add(a));
      net.buffers().forEach((name, a) -> all.add(a));
      try (OutputStream out = Files.newOutputStream(file)) {
        all.encode(out, NDList.Encoding.SAFETENSORS);
      }
      try (Network back = NetworkFiles.readSafetensors(file, SMALL, manager)) {
        NDArray x = input(SMALL, 2, 4);
        assertThat(back.forward(x, Mode.EVAL).contentEquals(net.forward(x, Mode.EVAL))).isTrue();
      }
    }
  }

  @Test
  void aMissingOrMalformedFileIsOneLine(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.safetensors");
    assertOneLineBadInput(
        () -> NetworkFiles.readSafetensors(missing, SMALL, manager),
        "checkpoint " + missing + " does not exist");
    Path garbage =
        Files.writeString(dir.resolve("garbage.safetensors"), "not a tensor file at all");
    assertThatThrownBy(() -> NetworkFiles.readSafetensors(garbage, SMALL, manager))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith(garbage + ": not a safetensors file (header length ")
        .hasMessageEndingWith(" in a 24-byte file)");
  }

  @Test
  void missingExtraAndMisShapedKeysAreListedInOneLine(@TempDir Path dir) throws Exception {
    Map<String, Raw> tensors = tensorsOf(SMALL, 1);
    // Seven missing keys: the message lists five and counts the rest.
    List<String> removed =
        List.of(
            "fc.bias",
            "layer1.0.bn1.bias",
            "layer1.0.bn2.weight",
            "layer2.0.conv2.weight",
            "layer3.0.bn1.running_var",
            "layer4.0.downsample.1.weight",
            "bn1.running_mean");
    removed.forEach(tensors::remove);
    tensors.put("classifier.weight", floats(new long[] {4, 64}, 0f));
    tensors.put("layer5.0.conv1.weight", floats(new long[] {2}, 0f));
    tensors.put("conv1.weight", floats(new long[] {8, 3, 7, 7}, 0f));
    Path file = writeRaw(dir.resolve("keys.safetensors"), tensors);
    assertOneLineBadInput(
        () -> NetworkFiles.readSafetensors(file, SMALL, manager),
        file
            + " does not fit resnet10 (width 0.125, small stem, 3 input channels, 4 classes): "
            + "7 missing keys (bn1.running_mean, layer1.0.bn1.bias, layer1.0.bn2.weight,"
            + " layer2.0.conv2.weight, layer3.0.bn1.running_var and 2 more); "
            + "2 extra keys (classifier.weight, layer5.0.conv1.weight); "
            + "1 mis-shaped key (conv1.weight (8, 3, 7, 7) instead of (8, 3, 3, 3))");
  }

  @Test
  void aWrongDtypeIsNamed(@TempDir Path dir) throws Exception {
    Map<String, Raw> tensors = tensorsOf(SMALL, 2);
    long[] shape = tensors.get("layer1.0.conv1.weight").shape();
    int n = (int) new Shape(shape).size();
    tensors.put("layer1.0.conv1.weight", new Raw("F64", shape, new byte[8 * n]));
    tensors.put("bn1.num_batches_tracked", new Raw("F32", new long[0], new byte[4]));
    Path file = writeRaw(dir.resolve("dtype.safetensors"), tensors);
    assertOneLineBadInput(
        () -> NetworkFiles.readSafetensors(file, SMALL, manager),
        file
            + ": weights must be float32 (safetensors F32), but 2 tensors differ: "
            + "layer1.0.conv1.weight is F64, bn1.num_batches_tracked is F32 (must be I64)");
  }

  @Test
  void nanAndInfiniteWeightsNameTheirTensors(@TempDir Path dir) throws Exception {
    Map<String, Raw> tensors = tensorsOf(SMALL, 3);
    tensors.put("layer2.0.bn1.weight", floats(new long[] {16}, Float.NaN));
    Raw fc = tensors.get("fc.bias");
    ByteBuffer.wrap(fc.data()).order(ByteOrder.LITTLE_ENDIAN).putFloat(4, Float.POSITIVE_INFINITY);
    Path file = writeRaw(dir.resolve("nan.safetensors"), tensors);
    assertOneLineBadInput(
        () -> NetworkFiles.readSafetensors(file, SMALL, manager),
        file
            + ": NaN or infinite values in 2 tensors: layer2.0.bn1.weight (16 of 16),"
            + " fc.bias (1 of 4)");
  }

  /** One tensor of a hand-made safetensors file. */
  private record Raw(String dtype, long[] shape, byte[] data) {}

  /** The network's arrays as float32 tensors, in declaration order. */
  private Map<String, Raw> tensorsOf(ArchitectureSpec spec, long seed) {
    Map<String, Raw> out = new LinkedHashMap<>();
    try (Network net = Network.create(spec, manager, seed)) {
      for (ParamDecl d : Network.declare(spec)) {
        NDArray a = d.buffer() ? net.buffers().get(d.name()) : net.parameters().get(d.name());
        float[] v = a.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        out.put(d.name(), new Raw("F32", d.shape(), b.array()));
      }
    }
    return out;
  }

  private static Raw floats(long[] shape, float value) {
    int n = (int) new Shape(shape).size();
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i++) {
      b.putFloat(value);
    }
    return new Raw("F32", shape, b.array());
  }

  /** A safetensors file as the format's specification describes it, written independently. */
  private static Path writeRaw(Path file, Map<String, Raw> tensors) throws Exception {
    ObjectMapper json = new ObjectMapper();
    ObjectNode header = json.createObjectNode();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    tensors.forEach(
        (name, t) -> {
          ObjectNode e = header.putObject(name);
          e.put("dtype", t.dtype());
          var shape = e.putArray("shape");
          for (long s : t.shape()) {
            shape.add(s);
          }
          var offsets = e.putArray("data_offsets");
          offsets.add(data.size());
          data.writeBytes(t.data());
          offsets.add(data.size());
        });
    byte[] h = json.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
      out.write(h);
      data.writeTo(out);
    }
    return file;
  }

  private static void assertOneLineBadInput(Runnable read, String message) {
    assertThatThrownBy(read::run)
        .isInstanceOf(BadInputException.class)
        .hasMessage(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }
}
