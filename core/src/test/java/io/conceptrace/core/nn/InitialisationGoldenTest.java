package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Network.create} with a given seed must keep giving the same numbers, in the same order and
 * with the same names, and the layer catalogue the same layers: base models of existing studies
 * would otherwise silently change. The hashes were computed before the architectures were given one
 * class each (issue 16 item 4) and must not move.
 */
class InitialisationGoldenTest {
  private static final Map<ArchitectureSpec, String> GOLDEN = new LinkedHashMap<>();

  static {
    GOLDEN.put(
        new ArchitectureSpec("small-cnn", 0.5, true, 3, 32, 10),
        "065c718e95bbb64799c3948a369d9bb5f2358fdd350dcc086d377840a9479cac");
    GOLDEN.put(
        new ArchitectureSpec("small-cnn", 0.3, true, 1, 11, 4),
        "f2e1c328884dfdfbd399c175aed6c93663717be35e168c1da4eecac202e1bceb");
    GOLDEN.put(
        new ArchitectureSpec("resnet10", 0.125, true, 3, 32, 10),
        "79d6a8c61458716bf7d30c8923b420b7831466d282ed6bba685ca57129c3606f");
    GOLDEN.put(
        new ArchitectureSpec("resnet10", 0.0625, false, 3, 29, 6),
        "a7486f5b13f7b8b0ae2dfaf9dd231fe137dd8418f7a780d60e0ec9adab0f368d");
    GOLDEN.put(
        new ArchitectureSpec("resnet18", 0.25, false, 1, 28, 10),
        "f65b14d55b379799930b5db48d6099b33194ba6f6fb750bc66668a3cbfa77a88");
    GOLDEN.put(
        new ArchitectureSpec("resnet18", 0.05, true, 1, 10, 7),
        "c6490993d6d0d8ab968f30b88b9b191d41fe8a721c39f5f0b5de37aff2e57334");
    GOLDEN.put(
        new ArchitectureSpec("resnet34", 0.0625, true, 3, 16, 5),
        "999ad5fd141b656f6fe4dc465478f0dad47459dc3fc0da0a01460c38e59be874");
    GOLDEN.put(
        new ArchitectureSpec("resnet18", 1.0, false, 3, 224, 1000),
        "e47f93c82ddbf29e28fe11a67a3c39dd3ea0a61a6d84f2aa45967dea0027c9bc");
  }

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

  @Test
  void initialParametersAndCatalogueAreUnchanged() throws Exception {
    Map<ArchitectureSpec, String> actual = new LinkedHashMap<>();
    for (ArchitectureSpec spec : GOLDEN.keySet()) {
      try (NDManager sub = manager.newSubManager();
          Network net = Network.create(spec, sub, 7)) {
        actual.put(spec, hash(net));
      }
    }
    assertThat(actual).containsExactlyEntriesOf(GOLDEN);
  }

  /**
   * SHA-256 over the catalogue (names and shapes), then each parameter and buffer in order: name,
   * shape and float bits.
   */
  private static String hash(Network net) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(LayerCatalog.layers(net.spec()).toString().getBytes(StandardCharsets.UTF_8));
    Map<String, NDArray> all = new LinkedHashMap<>(net.parameters());
    all.putAll(net.buffers());
    for (Map.Entry<String, NDArray> e : all.entrySet()) {
      sha.update((e.getKey() + e.getValue().getShape()).getBytes(StandardCharsets.UTF_8));
      float[] v = e.getValue().toFloatArray();
      ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(v);
      sha.update(b.array());
    }
    return HexFormat.of().formatHex(sha.digest());
  }
}
