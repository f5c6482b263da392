package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NetworkTest {
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

  private static List<ArchitectureSpec> specs() {
    return List.of(
        new ArchitectureSpec("small-cnn", 0.5, true, 3, 32, 10),
        new ArchitectureSpec("small-cnn", 0.25, true, 1, 29, 7),
        new ArchitectureSpec("resnet10", 0.125, true, 3, 32, 10),
        new ArchitectureSpec("resnet18", 0.125, true, 1, 28, 10),
        new ArchitectureSpec("resnet34", 0.0625, true, 3, 16, 5),
        new ArchitectureSpec("resnet18", 0.125, false, 3, 45, 1000));
  }

  @Test
  void everyCatalogueLayerHasTheCataloguedShape() {
    for (ArchitectureSpec spec : specs()) {
      try (NDManager sub = manager.newSubManager();
          Network net = Network.create(spec, sub, 1)) {
        NDArray x = input(spec, 2, 3);
        Map<String, NDArray> all = net.forwardCollect(x, LayerCatalog.names(spec), Mode.EVAL);
        assertThat(all.keySet()).containsExactlyElementsOf(LayerCatalog.names(spec));
        for (LayerInfo layer : LayerCatalog.layers(spec)) {
          NDArray out = all.get(layer.name());
          long[] expected = new long[layer.shape().length + 1];
          expected[0] = 2;
          for (int i = 0; i < layer.shape().length; i++) {
            expected[i + 1] = layer.shape()[i];
          }
          assertThat(out.getShape().getShape())
              .as(spec + " " + layer.name())
              .containsExactly(expected);
        }
        assertThat(net.forward(x, Mode.EVAL).getShape()).isEqualTo(new Shape(2, spec.classes()));
        // A single-layer pass gives the same values as the collected one.
        for (String name : List.of("relu", "layer2", "avgpool", "fc")) {
          assertClose(net.forwardTo(x, name, Mode.EVAL), all.get(name), 1e-6);
        }
        if (spec.name() != ArchitectureName.SMALL_CNN) {
          assertClose(
              net.forwardTo(x, "layer3.0.downsample.1", Mode.EVAL),
              all.get("layer3.0.downsample.1"),
              1e-6);
        }
      }
    }
  }

  @Test
  void resnet18HasTorchvisionParameterNames() {
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 0.25, true, 3, 32, 10);
    try (Network net = Network.create(spec, manager, 0)) {
      // torchvision's resnet18 has 62 parameter tensors and 20 batch norms.
      assertThat(net.parameters()).hasSize(62);
      assertThat(net.buffers()).hasSize(40);
      assertThat(net.parameters().keySet())
          .startsWith("conv1.weight", "bn1.weight", "bn1.bias", "layer1.0.conv1.weight")
          .contains(
              "layer2.0.downsample.0.weight", "layer2.0.downsample.1.bias", "layer4.1.bn2.weight")
          .endsWith("fc.weight", "fc.bias");
      assertThat(net.buffers())
          .containsKeys("bn1.running_mean", "layer3.0.downsample.1.running_var");
      assertThat(net.parameters().get("layer2.0.conv1.weight").getShape())
          .isEqualTo(new Shape(32, 16, 3, 3));
      assertThat(net.parameters().get("fc.weight").getShape()).isEqualTo(new Shape(10, 128));
    }
  }

  @Test
  void initialisationIsSeededAndKaimingScaled() {
    ArchitectureSpec spec = new ArchitectureSpec("resnet10", 0.5, true, 3, 32, 10);
    try (Network a = Network.create(spec, manager, 7);
        Network b = Network.create(spec, manager, 7);
        Network c = Network.create(spec, manager, 8)) {
      for (String name : a.parameters().keySet()) {
        assertThat(a.parameters().get(name).contentEquals(b.parameters().get(name))).isTrue();
      }
      NDArray w = a.parameters().get("layer3.0.conv2.weight"); // fan_out = 128·9
      assertThat(w.contentEquals(c.parameters().get("layer3.0.conv2.weight"))).isFalse();
      double std = Math.sqrt(w.pow(2).mean().getFloat());
      assertThat(std).isBetween(0.9 * Math.sqrt(2.0 / (128 * 9)), 1.1 * Math.sqrt(2.0 / (128 * 9)));
      assertThat(a.parameters().get("bn1.weight").sum().getFloat()).isEqualTo(32f);
      float bound = (float) (1 / Math.sqrt(256));
      assertThat(a.parameters().get("fc.weight").abs().max().getFloat()).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void trainModeUpdatesRunningStatisticsWithMomentumPointOne() {
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 0.5, true, 3, 16, 10);
    try (Network net = Network.create(spec, manager, 2)) {
      NDArray x = input(spec, 4, 5);
      NDArray conv = net.forwardTo(x, "conv1", Mode.EVAL);
      NDArray perChannel = conv.transpose(1, 0, 2, 3).reshape(conv.getShape().get(1), -1);
      NDArray batchMean = perChannel.mean(new int[] {1});
      long n = 4 * 16 * 16;
      NDArray batchVarUnbiased =
          perChannel.sub(batchMean.reshape(-1, 1)).pow(2).sum(new int[] {1}).div(n - 1);

      net.forwardTo(x, "bn1", Mode.EVAL);
      assertThat(net.buffers().get("bn1.running_mean").abs().max().getFloat()).isZero();

      NDArray out = net.forwardTo(x, "bn1", Mode.TRAIN);
      assertClose(net.buffers().get("bn1.running_mean"), batchMean.mul(0.1f), 1e-5);
      assertClose(net.buffers().get("bn1.running_var"), batchVarUnbiased.mul(0.1f).add(0.9f), 1e-4);
      // Training mode normalises with the batch statistics: per-channel mean 0 after bn1.
      NDArray outPerChannel = out.transpose(1, 0, 2, 3).reshape(out.getShape().get(1), -1);
      assertThat(outPerChannel.mean(new int[] {1}).abs().max().getFloat()).isLessThan(1e-4f);
    }
  }

  @Test
  void perExampleWeightsGiveTheOrdinaryForward() {
    for (ArchitectureSpec spec :
        List.of(
            new ArchitectureSpec("small-cnn", 0.5, true, 3, 16, 10),
            new ArchitectureSpec("resnet10", 0.125, true, 3, 16, 10))) {
      try (NDManager sub = manager.newSubManager();
          Network net = Network.create(spec, sub, 3)) {
        int batch = 3;
        NDArray x = input(spec, batch, 9);
        // Give running statistics non-trivial values first.
        net.forward(input(spec, 8, 10), Mode.TRAIN);
        Map<String, NDArray> expanded = expand(net.parameters(), batch);
        String mid = spec.name() == ArchitectureName.SMALL_CNN ? "layer2" : "layer2.0.downsample.1";
        for (String layer : List.of(mid, "fc")) {
          NDArray plain = net.forwardTo(x, layer, Mode.EVAL);
          NDArray perExample = net.forwardTo(x, layer, Mode.EVAL, expanded);
          assertClose(perExample, plain, 1e-4);
        }
      }
    }
  }

  @Test
  void gradientsOfPerExampleWeightsArePerExampleGradients() {
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 0.25, true, 3, 12, 4);
    try (Network net = Network.create(spec, manager, 4)) {
      int batch = 3;
      NDArray x = input(spec, batch, 11);
      int[] labels = {0, 3, 1};
      Map<String, NDArray> expanded = expand(net.parameters(), batch);
      expanded.values().forEach(a -> a.setRequiresGradient(true));
      try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
        NDArray logits = net.forwardTo(x, "fc", Mode.EVAL, expanded);
        gc.backward(pickedSum(logits, labels));
      }
      for (int i = 0; i < batch; i++) {
        Map<String, NDArray> single = expand(net.parameters(), 1);
        single.values().forEach(a -> a.setRequiresGradient(true));
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
          NDArray logits = net.forwardTo(x.get(i + ":" + (i + 1)), "fc", Mode.EVAL, single);
          gc.backward(pickedSum(logits, new int[] {labels[i]}));
        }
        for (String name : List.of("conv1.weight", "layer2.1.weight", "fc.weight", "fc.bias")) {
          NDArray batched = expanded.get(name).getGradient().get(i);
          NDArray alone = single.get(name).getGradient().get(0);
          assertClose(batched, alone, 1e-4);
        }
      }
    }
  }

  @Test
  void parameterNamesUpToAreExactlyTheParametersTheForwardReads() {
    for (ArchitectureSpec spec :
        List.of(
            new ArchitectureSpec("small-cnn", 0.25, true, 3, 8, 3),
            new ArchitectureSpec("resnet18", 0.0625, false, 3, 16, 3))) {
      try (NDManager sub = manager.newSubManager();
          Network net = Network.create(spec, sub, 1)) {
        NDArray x = input(spec, 1, 1);
        for (String layer : LayerCatalog.names(spec)) {
          Set<String> read = new LinkedHashSet<>();
          Map<String, NDArray> recording = recordingMap(net.parameters(), read);
          net.forwardTo(x, layer, Mode.EVAL, recording);
          assertThat(net.parameterNamesUpTo(layer))
              .as(spec.name() + " " + layer)
              .containsExactlyElementsOf(read);
        }
      }
    }
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 0.0625, true, 3, 16, 3);
    try (Network net = Network.create(spec, manager, 1)) {
      assertThat(net.parameterNamesUpTo("layer2.0.downsample.0"))
          .contains("layer1.1.bn2.bias", "layer2.0.downsample.0.weight")
          .doesNotContain("layer2.0.conv1.weight", "layer2.0.downsample.1.weight");
      assertThatThrownBy(() -> net.parameterNamesUpTo("layer9"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("unknown layer 'layer9'");
    }
  }

  @Test
  void parameterSizesUpToMatchTheBuiltNetworkWithoutBuildingIt() {
    for (ArchitectureSpec spec : specs()) {
      try (NDManager sub = manager.newSubManager();
          Network net = Network.create(spec, sub, 1)) {
        for (String layer : LayerCatalog.names(spec)) {
          Map<String, Long> sizes = Network.parameterSizesUpTo(spec, layer);
          assertThat(sizes.keySet())
              .as(spec.name() + " " + layer)
              .containsExactlyElementsOf(net.parameterNamesUpTo(layer));
          for (Map.Entry<String, Long> e : sizes.entrySet()) {
            assertThat(e.getValue())
                .as(e.getKey())
                .isEqualTo(net.parameters().get(e.getKey()).size());
          }
        }
      }
    }
  }

  @Test
  void rejectsUnknownLayerAndWrongInput() {
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 0.25, true, 3, 8, 3);
    try (Network net = Network.create(spec, manager, 1)) {
      NDArray x = input(spec, 1, 1);
      assertThatThrownBy(() -> net.forwardTo(x, "layer4", Mode.EVAL))
          .hasMessageStartingWith("unknown layer 'layer4' for small-cnn");
      NDArray grey = manager.zeros(new Shape(1, 1, 8, 8));
      assertThatThrownBy(() -> net.forward(grey, Mode.EVAL))
          .hasMessage("input must be [B, 3, H, W], got (1, 1, 8, 8)");
    }
  }

  /** Every parameter broadcast to one copy per example (same values). */
  private static Map<String, NDArray> expand(Map<String, NDArray> params, int batch) {
    Map<String, NDArray> out = new HashMap<>();
    params.forEach(
        (name, p) -> {
          long[] dims = new long[p.getShape().dimension() + 1];
          dims[0] = batch;
          System.arraycopy(p.getShape().getShape(), 0, dims, 1, dims.length - 1);
          out.put(name, p.expandDims(0).broadcast(new Shape(dims)).duplicate());
        });
    return out;
  }

  private NDArray pickedSum(NDArray logits, int[] labels) {
    NDArray oneHot = manager.create(labels).oneHot((int) logits.getShape().get(1));
    return logits.mul(oneHot).sum();
  }

  /** A view of {@code params} that records which names the forward pass reads. */
  private static Map<String, NDArray> recordingMap(Map<String, NDArray> params, Set<String> read) {
    return new AbstractMap<>() {
      @Override
      public NDArray get(Object key) {
        read.add((String) key);
        return params.get(key);
      }

      @Override
      public Set<Entry<String, NDArray>> entrySet() {
        return params.entrySet();
      }
    };
  }

  private static void assertClose(NDArray actual, NDArray expected, double tol) {
    assertThat(actual.getShape()).isEqualTo(expected.getShape());
    float scale = Math.max(1f, expected.abs().max().getFloat());
    float diff = actual.sub(expected).abs().max().getFloat();
    assertThat((double) diff).isLessThanOrEqualTo(tol * scale);
  }
}
