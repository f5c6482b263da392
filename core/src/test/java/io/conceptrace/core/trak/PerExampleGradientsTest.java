package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batched (expanded-weight) gradients against the batch-of-1 loop on real ResNet prefixes. */
class PerExampleGradientsTest {
  private static final int BATCH = 6;

  private static NDManager manager;
  private static Network network;
  private static ConceptModel model;
  private static NDArray x;
  private static boolean[] labels;

  @BeforeAll
  static void setUp() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
    // resnet10, width 1/8 (8 channels), small stem, 8×8 RGB: conv1, bn1, layer1.0 (two convs and
    // two batch norms) up to layer1 — every kind of parameter of the real networks.
    network = Network.create(new ArchitectureSpec("resnet10", 0.125, true, 3, 8, 4), manager, 3);
    Random random = new Random(11);
    // Non-trivial eval-mode batch norm: running statistics and affine parameters off their init.
    for (Map.Entry<String, NDArray> b : network.buffers().entrySet()) {
      NDArray noise = manager.create(gaussian(random, (int) b.getValue().size()));
      if (b.getKey().endsWith("running_var")) {
        b.getValue().muli(noise.abs().add(0.5f));
      } else {
        b.getValue().addi(noise.mul(0.3f));
      }
    }
    for (Map.Entry<String, NDArray> p : network.parameters().entrySet()) {
      if (p.getKey().contains("bn")) {
        p.getValue().addi(manager.create(gaussian(random, (int) p.getValue().size())).mul(0.2f));
      }
    }
    Subnetwork sub = new NetworkSubnetwork(network, "layer1");
    float[] w = gaussian(random, 8 * 8 * 8);
    for (int i = 0; i < w.length; i++) {
      w[i] *= 0.05f;
    }
    model = new ConceptModel("resnet10/layer1", sub, new ProbeHead(w, 0.1f, false));
    x = manager.create(gaussian(random, BATCH * 3 * 8 * 8), new Shape(BATCH, 3, 8, 8));
    labels = new boolean[] {true, false, true, true, false, false};
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  @Test
  void batchedGradientsLeaveNothingBehindInTheNetworksManager() {
    PerExampleGradients batched = PerExampleGradients.batched(model, ParameterGroups.ALL);
    int before = manager.getManagedArrays().size();
    for (int round = 0; round < 3; round++) {
      try (NDManager scope = manager.newSubManager()) {
        NDArray xs = x.duplicate();
        xs.attach(scope);
        batched.compute(xs, labels).gradients().close();
      }
    }
    // Featurization calls this once per batch for thousands of batches: any array left in the
    // model's manager would pile up native memory until the model is closed.
    assertThat(manager.getManagedArrays()).hasSize(before);
  }

  @Test
  void batchedGradientsEqualTheLoopIncludingBatchNorm() throws Exception {
    PerExampleGradients batched = PerExampleGradients.batched(model, ParameterGroups.ALL);
    PerExampleGradients loop = PerExampleGradients.loop(model, ParameterGroups.ALL);
    long p =
        network.parameterNamesUpTo("layer1").stream()
                .mapToLong(n -> network.parameters().get(n).size())
                .sum()
            + 8 * 8 * 8
            + 1;
    assertThat(batched.dimension()).isEqualTo(p);
    assertThat(network.parameterNamesUpTo("layer1")).contains("bn1.weight", "layer1.0.bn2.bias");
    try (NDManager scope = manager.newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      PerExampleGradients.Result a = batched.compute(xs, labels);
      // The loop oracle used to be wrong in a few of thousands of repetitions under load: its
      // margin's sign was a DJL Number overload whose saved scalar the GC could free before
      // backward (see core.nn.Scalars). It now runs at the process's thread count like the rest.
      PerExampleGradients.Result b = loop.compute(xs, labels);
      assertThat(a.gradients().getShape()).isEqualTo(new Shape(BATCH, p));
      assertEveryRowMatches(a, b, BATCH, 1e-5f);
      float[] ga = a.gradients().toFloatArray();
      // examples differ: the per-example rows are not one broadcast summed gradient
      assertThat(ga[0]).isNotEqualTo(ga[(int) p]);
      // the margin is the signed probe logit of the eval-mode network
      float[] logits = model.logits(xs);
      for (int i = 0; i < BATCH; i++) {
        assertThat(a.margins()[i])
            .isCloseTo(
                (labels[i] ? 1 : -1) * logits[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void pooledProbeGradientsAlsoEqualTheLoop() {
    float[] w = gaussian(new Random(2), 8);
    ConceptModel pooled =
        new ConceptModel("pooled", model.subnetwork(), new ProbeHead(w, -0.2f, true));
    try (NDManager scope = manager.newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      float[] a =
          PerExampleGradients.batched(pooled, ParameterGroups.ALL)
              .compute(xs, labels)
              .gradients()
              .toFloatArray();
      float[] b =
          PerExampleGradients.loop(pooled, ParameterGroups.ALL)
              .compute(xs, labels)
              .gradients()
              .toFloatArray();
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < a.length; i++) {
        diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
        norm += b[i] * (double) b[i];
      }
      assertThat(norm).isGreaterThan(0);
      assertThat(Math.sqrt(diff / norm)).isLessThan(1e-5);
      // the probe's w-gradient is (2y−1)·(channel means of the layer output)
      long p = a.length / BATCH;
      NDArray means =
          network
              .forwardTo(xs, "layer1", io.conceptrace.core.nn.Mode.EVAL)
              .reshape(BATCH, 8, -1)
              .mean(new int[] {2});
      float[] m = means.toFloatArray();
      for (int c = 0; c < 8; c++) {
        assertThat(a[(int) (p - 9 + c)])
            .isCloseTo((labels[0] ? 1 : -1) * m[c], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void restrictedGroupsAreTheMatchingColumnsOfTheFullGradient() {
    PerExampleGradients all = PerExampleGradients.batched(model, ParameterGroups.ALL);
    ParameterGroups groups = ParameterGroups.parse("layer1+probe");
    PerExampleGradients some = PerExampleGradients.batched(model, groups);
    List<String> names = network.parameterNamesUpTo("layer1");
    long before =
        names.stream()
            .filter(n -> !n.startsWith("layer1."))
            .mapToLong(n -> network.parameters().get(n).size())
            .sum();
    assertThat(some.dimension()).isEqualTo(all.dimension() - before);
    try (NDManager scope = manager.newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      float[] full = all.compute(xs, labels).gradients().toFloatArray();
      float[] part = some.compute(xs, labels).gradients().toFloatArray();
      long pa = all.dimension();
      long ps = some.dimension();
      for (int i = 0; i < BATCH; i++) {
        for (int j = 0; j < ps; j++) {
          float expected = full[(int) (i * pa + before + j)];
          // same maths; the convolution backward may sum in another order without conv1's grads
          assertThat(part[(int) (i * ps + j)])
              .isCloseTo(
                  expected,
                  org.assertj.core.data.Offset.offset(1e-6f + 1e-5f * Math.abs(expected)));
        }
      }
    }
  }

  @Test
  void unknownGroupIsAOneLineUserError() {
    assertThatThrownBy(
            () -> PerExampleGradients.batched(model, ParameterGroups.parse("layer3+probe")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("'layer3' matches no parameter")
        .hasMessageContaining("layer1");
  }

  /**
   * The taps of every kind of module the architectures have: a 7×7 stride-2 stem with max-pool, a
   * stride-2 block with a 1×1 downsample (odd input side, so the strided patches end early), and
   * the fc layer (the probe then reads the logits).
   */
  @Test
  void stridedConvolutionsDownsampleAndLinearEqualTheLoop() {
    try (NDManager local = manager.newSubManager()) {
      Network standard =
          Network.create(new ArchitectureSpec("resnet10", 0.125, false, 1, 29, 5), local, 4);
      Random random = new Random(5);
      for (NDArray b : standard.buffers().values()) {
        b.addi(local.create(gaussian(random, (int) b.size())).abs().mul(0.3f));
      }
      NDArray xs = local.create(gaussian(random, 3 * 29 * 29), new Shape(3, 1, 29, 29));
      boolean[] y = {true, false, true};
      for (String layer : List.of("layer2", "layer2.0.downsample.1", "fc")) {
        long width = standard.forwardTo(xs, layer, io.conceptrace.core.nn.Mode.EVAL).size() / 3;
        float[] w = gaussian(random, (int) width);
        ConceptModel m =
            new ConceptModel(
                layer, new NetworkSubnetwork(standard, layer), new ProbeHead(w, 0.3f, false));
        float[] a =
            PerExampleGradients.batched(m, ParameterGroups.ALL)
                .compute(xs, y)
                .gradients()
                .toFloatArray();
        float[] b =
            PerExampleGradients.loop(m, ParameterGroups.ALL)
                .compute(xs, y)
                .gradients()
                .toFloatArray();
        assertThat(a).hasSameSizeAs(b);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
          diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
          norm += b[i] * (double) b[i];
        }
        assertThat(norm).as(layer).isGreaterThan(0);
        assertThat(Math.sqrt(diff / norm)).as("relative error at %s", layer).isLessThan(1e-5);
      }
    }
  }

  @Test
  void cpuSubBatchesBoundTheParameterCopiesAndAGpuTakesTheWholeBatch() {
    // ResNet-18 to layer3 (P = 2,791,489: 11.2 MB per copy) -> 4 per pass within 48 MiB
    assertThat(ExpandedWeightGradients.subBatch(2_791_489, 64, false)).isEqualTo(4);
    // the quickstart's network to layer3 (P = 21,673) -> the whole batch
    assertThat(ExpandedWeightGradients.subBatch(21_673, 64, false)).isEqualTo(64);
    assertThat(ExpandedWeightGradients.subBatch(20_000_000, 64, false)).isEqualTo(1);
    assertThat(ExpandedWeightGradients.subBatch(2_791_489, 64, true)).isEqualTo(64);
    assertThat(ExpandedWeightGradients.subBatch(0, 64, false)).isEqualTo(64);
  }

  @Test
  void subBatchedGradientsEqualTheLoopAndKeepTheExamplesInOrder() {
    try (NDManager local = manager.newSubManager()) {
      // resnet10 width 1.0 up to layer3 with its probe: P = 1,241,409 (5 MB per copy), so 48 MiB
      // takes 10 examples per pass, and a batch of 12 is computed as 10 + 2: the rows of the two
      // passes must come back in the examples' order.
      Network wide =
          Network.create(new ArchitectureSpec("resnet10", 1.0, true, 3, 32, 4), local, 8);
      NetworkSubnetwork sub = new NetworkSubnetwork(wide, "layer3");
      Random random = new Random(9);
      float[] w = gaussian(random, 256 * 8 * 8);
      for (int i = 0; i < w.length; i++) {
        w[i] *= 0.01f;
      }
      ConceptModel m = new ConceptModel("wide", sub, new ProbeHead(w, 0f, false));
      int batch = 12;
      boolean[] y = new boolean[batch];
      for (int i = 0; i < batch; i++) {
        y[i] = random.nextBoolean();
      }
      NDArray xs = local.create(gaussian(random, batch * 3 * 32 * 32), new Shape(batch, 3, 32, 32));
      PerExampleGradients batched = PerExampleGradients.batched(m, ParameterGroups.ALL);
      assertThat(batched.dimension()).isEqualTo(1_241_409);
      assertThat(ExpandedWeightGradients.subBatch(batched.dimension(), batch, false)).isEqualTo(10);
      PerExampleGradients.Result a = batched.compute(xs, y);
      PerExampleGradients.Result b =
          PerExampleGradients.loop(m, ParameterGroups.ALL).compute(xs, y);
      assertThat(a.gradients().getShape()).isEqualTo(new Shape(batch, batched.dimension()));
      assertEveryRowMatches(a, b, batch, 1e-4f);
    }
  }

  /**
   * Each example's gradient row of {@code a} is non-zero and within 1e-5 relative error of the
   * oracle {@code b}'s, and its margin within {@code marginTolerance}.
   */
  private static void assertEveryRowMatches(
      PerExampleGradients.Result a,
      PerExampleGradients.Result b,
      int batch,
      float marginTolerance) {
    float[] ga = a.gradients().toFloatArray();
    float[] gb = b.gradients().toFloatArray();
    assertThat(ga).hasSameSizeAs(gb);
    long p = ga.length / batch;
    for (int i = 0; i < batch; i++) {
      double diff = 0;
      double norm = 0;
      for (int j = 0; j < p; j++) {
        double d = ga[(int) (i * p + j)] - gb[(int) (i * p + j)];
        diff += d * d;
        norm += (double) gb[(int) (i * p + j)] * gb[(int) (i * p + j)];
      }
      assertThat(norm).as("example %d has a gradient", i).isGreaterThan(0);
      assertThat(Math.sqrt(diff / norm)).as("relative error of example %d", i).isLessThan(1e-5);
      assertThat(a.margins()[i])
          .isCloseTo(b.margins()[i], org.assertj.core.data.Offset.offset(marginTolerance));
    }
  }

  static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
