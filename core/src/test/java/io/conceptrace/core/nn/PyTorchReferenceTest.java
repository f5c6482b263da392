package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoopTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Our networks against real PyTorch: the fixtures under {@code src/test/resources/pytorch} were
 * made by {@code src/test/python/make_network_fixtures.py} from torchvision's own BasicBlock (see
 * there), with random weights and batch-norm statistics far from the identity. Each network is read
 * through {@link NetworkFiles#readSafetensors} (so the torchvision names are checked too) and must
 * reproduce the logits and every catalogued layer.
 *
 * <p>Tolerance: max |ours − PyTorch| ≤ 1e-5 · max(1, max |PyTorch|) per layer, i.e. absolute 1e-5
 * where the values are at most 1 and relative to the layer's largest magnitude above that.
 */
class PyTorchReferenceTest {
  private static final double TOLERANCE = 1e-5;
  private static final ObjectMapper JSON = new ObjectMapper();

  private NDManager manager;
  private Path dir;
  private JsonNode manifest;

  @BeforeEach
  void start() throws Exception {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
    dir = Path.of(getClass().getResource("/pytorch/manifest.json").toURI()).getParent();
    manifest = JSON.readTree(dir.resolve("manifest.json").toFile());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  /** The fixtures cover every architecture, both stems and grey and RGB inputs. */
  @Test
  void theFixturesCoverEveryArchitectureStemAndChannelCount() throws Exception {
    List<ArchitectureSpec> specs = new ArrayList<>();
    for (JsonNode f : manifest.get("fixtures")) {
      specs.add(JSON.treeToValue(f.get("architecture"), ArchitectureSpec.class));
    }
    assertThat(specs.stream().map(ArchitectureSpec::name).distinct())
        .containsExactlyInAnyOrder(ArchitectureName.values());
    assertThat(specs.stream().filter(s -> s.name() != ArchitectureName.SMALL_CNN))
        .anyMatch(ArchitectureSpec::smallStem)
        .anyMatch(s -> !s.smallStem());
    assertThat(specs).anyMatch(s -> s.inputChannels() == 1).anyMatch(s -> s.inputChannels() == 3);
  }

  @Test
  void everyCataloguedLayerAndTheLogitsMatchPyTorchInEvalMode() throws Exception {
    for (JsonNode f : manifest.get("fixtures")) {
      String name = f.get("fixture").asText();
      ArchitectureSpec spec = JSON.treeToValue(f.get("architecture"), ArchitectureSpec.class);
      List<String> torchLayers = new ArrayList<>();
      f.get("layers").forEach(l -> torchLayers.add(l.asText()));
      // The catalogue names are exactly PyTorch's module names, in forward order.
      assertThat(LayerCatalog.names(spec)).as(name).containsExactlyElementsOf(torchLayers);
      try (NDManager sub = manager.newSubManager();
          Network net = NetworkFiles.readSafetensors(weights(name), spec, sub)) {
        Map<String, NDArray> expected = expected(name, sub);
        NDArray x = expected.get("input");
        Map<String, NDArray> ours = net.forwardCollect(x, torchLayers, Mode.EVAL);
        for (String layer : torchLayers) {
          assertMatches(name + " " + layer, ours.get(layer), expected.get("eval/" + layer));
        }
        assertMatches(name + " forward", net.forward(x, Mode.EVAL), expected.get("eval/fc"));
        // A downsample branch computed alone takes its own path through the forward pass.
        for (String layer : torchLayers) {
          if (layer.contains(".downsample.")) {
            assertMatches(
                name + " " + layer + " alone",
                net.forwardTo(x, layer, Mode.EVAL),
                expected.get("eval/" + layer));
          }
        }
      }
    }
  }

  @Test
  void aTrainModeForwardMatchesPyTorchsLogitsAndRunningStatistics() throws Exception {
    for (JsonNode f : manifest.get("fixtures")) {
      String name = f.get("fixture").asText();
      ArchitectureSpec spec = JSON.treeToValue(f.get("architecture"), ArchitectureSpec.class);
      try (NDManager sub = manager.newSubManager();
          Network net = NetworkFiles.readSafetensors(weights(name), spec, sub)) {
        Map<String, NDArray> expected = expected(name, sub);
        NDArray logits = net.forward(expected.get("input"), Mode.TRAIN);
        assertMatches(name + " train fc", logits, expected.get("train/fc"));
        assertThat(net.buffers()).isNotEmpty();
        for (Map.Entry<String, NDArray> b : net.buffers().entrySet()) {
          assertMatches(name + " " + b.getKey(), b.getValue(), expected.get("train/" + b.getKey()));
        }
      }
    }
  }

  /** The TorchScript fixture that activation concepts use loads in DJL and gives its output. */
  @Test
  void theTracedFeatureExtractorRunsInDjlAndReproducesItsOutput() throws Exception {
    JsonNode fe = manifest.get("featureExtractor");
    Path file = dir.resolve(fe.get("file").asText());
    try (NDManager sub = manager.newSubManager()) {
      NDList io = NDList.decode(sub, Files.readAllBytes(dir.resolve(fe.get("io").asText())));
      NDArray input = io.get("input");
      NDArray output = io.get("output");
      assertThat(output.getShape().getShape()).containsExactly(2, 16, 16, 16);
      try (Model model = Model.newInstance("feature-extractor", Device.cpu(), "PyTorch")) {
        model.load(file.getParent(), "feature-extractor");
        try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator())) {
          NDArray ours = predictor.predict(new NDList(input)).singletonOrThrow();
          assertMatches("feature extractor", ours, output);
        }
      }
    }
  }

  private Path weights(String fixture) {
    return dir.resolve(fixture + ".weights.safetensors");
  }

  private Map<String, NDArray> expected(String fixture, NDManager sub) throws Exception {
    NDList list =
        NDList.decode(sub, Files.readAllBytes(dir.resolve(fixture + ".expected.safetensors")));
    Map<String, NDArray> out = new LinkedHashMap<>();
    list.forEach(a -> out.put(a.getName(), a));
    return out;
  }

  private static void assertMatches(String what, NDArray ours, NDArray torch) {
    assertThat(torch).as(what + " (missing from the fixture)").isNotNull();
    assertThat(ours.getShape()).as(what).isEqualTo(torch.getShape());
    double scale = Math.max(1.0, torch.abs().max().getFloat());
    double diff = ours.sub(torch).abs().max().getFloat();
    assertThat(diff)
        .as(what + ": max abs difference (scale " + scale + ")")
        .isLessThanOrEqualTo(TOLERANCE * scale);
  }
}
