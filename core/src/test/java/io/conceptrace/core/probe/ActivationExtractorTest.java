package io.conceptrace.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActivationExtractorTest {
  private static final ArchitectureSpec SMALL =
      new ArchitectureSpec("small-cnn", 0.25, true, 3, 8, 4);

  private NDManager manager;
  private Network network;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
    network = Network.create(SMALL, manager, 3);
  }

  @AfterEach
  void stop() {
    network.close();
    manager.close();
  }

  /** Random 3×8×8 images; counts reads so tests can see whether images were touched. */
  private static final class RandomImages implements ImageDataset {
    final int size;
    final AtomicInteger reads = new AtomicInteger();

    RandomImages(int size) {
      this.size = size;
    }

    @Override
    public String name() {
      return "random";
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public Example get(int index) {
      reads.incrementAndGet();
      Random r = new Random(index);
      float[] px = new float[3 * 8 * 8];
      for (int i = 0; i < px.length; i++) {
        px[i] = r.nextFloat();
      }
      return new Example("r/" + index, index % 4, new ImageTensor(3, 8, 8, px), Set.of());
    }

    @Override
    public List<String> classNames() {
      return List.of("a", "b", "c", "d");
    }

    @Override
    public int channels() {
      return 3;
    }

    @Override
    public int imageSize() {
      return 8;
    }
  }

  @Test
  void flatFeaturesAreTheLayerOutputInEvalModeFlattenedChannelMajor() {
    RandomImages data = new RandomImages(10);
    ActivationExtractor ex =
        new ActivationExtractor(network, "layer2", Pooling.FLAT, BatchEncoder.pixels(), 4);
    // small-cnn width 0.25 at 8×8: layer2 has 16 channels at 4×4.
    assertThat(ex.features()).isEqualTo(16 * 4 * 4);
    CachedActivations acts = ex.extract(data);
    assertThat(acts.size()).isEqualTo(10);
    try (NDManager tmp = manager.newSubManager()) {
      List<Example> batch = List.of(data.get(7), data.get(2));
      NDArray x = BatchEncoder.pixels().encode(batch, tmp);
      float[] expected = network.forwardTo(x, "layer2", Mode.EVAL).toFloatArray();
      float[][] got = acts.rows(new int[] {7, 2});
      assertThat(got[0]).containsExactly(Arrays.copyOfRange(expected, 0, 256), within(1e-6f));
      assertThat(got[1]).containsExactly(Arrays.copyOfRange(expected, 256, 512), within(1e-6f));
    }
  }

  @Test
  void averagePoolingGivesOneMeanPerChannel() {
    RandomImages data = new RandomImages(3);
    ActivationExtractor flat =
        new ActivationExtractor(network, "layer1", Pooling.FLAT, BatchEncoder.pixels(), 8);
    ActivationExtractor avg =
        new ActivationExtractor(network, "layer1", Pooling.AVG, BatchEncoder.pixels(), 8);
    assertThat(avg.features()).isEqualTo(8);
    float[] fv = flat.extract(data).row(1);
    float[] av = avg.extract(data).row(1);
    // Row 1, channel 5: the mean of its 8×8 = 64 flat values.
    double s = 0;
    for (int p = 0; p < 64; p++) {
      s += fv[5 * 64 + p];
    }
    assertThat(av[5]).isCloseTo((float) (s / 64), within(1e-5f));
  }

  @Test
  void extractionLeavesBatchNormStatisticsUntouched() {
    float[] before = network.buffers().get("layer1.1.running_mean").toFloatArray();
    new ActivationExtractor(network, "layer3", Pooling.FLAT, BatchEncoder.pixels(), 5)
        .extract(new RandomImages(12));
    assertThat(network.buffers().get("layer1.1.running_mean").toFloatArray())
        .containsExactly(before);
  }

  @Test
  void cacheFileIsWrittenOnceThenReusedAndAStaleOneIsRefused(@TempDir Path dir) {
    RandomImages data = new RandomImages(9);
    ActivationExtractor ex =
        new ActivationExtractor(network, "layer3", Pooling.FLAT, BatchEncoder.pixels(), 4);
    Path file = dir.resolve("acts/layer3-train.npy");
    CachedActivations direct = ex.extract(data);
    int readsBefore = data.reads.get();
    CachedActivations first = ex.cached(data, file);
    assertThat(data.reads.get()).isEqualTo(readsBefore + 9);
    assertThat(Npy.readHeader(file).shape()).containsExactly(9, ex.features());
    CachedActivations second = ex.cached(data, file);
    for (int i = 0; i < 9; i++) {
      assertThat(first.row(i)).containsExactly(direct.row(i));
      assertThat(second.row(i)).containsExactly(direct.row(i));
    }
    assertThat(data.reads.get())
        .as("second call reads the cache, not the images")
        .isEqualTo(readsBefore + 9);
    assertThat(dir.resolve("acts").toFile().list()).containsExactly("layer3-train.npy");

    assertThatThrownBy(() -> ex.cached(new RandomImages(5), file))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("layer3-train.npy")
        .hasMessageContaining("delete the file to recompute");
  }

  @Test
  void onTheFlySourceRecomputesThroughTheNetworkWithTheEncodersAugmentation() {
    RandomImages data = new RandomImages(6);
    Normalization norm =
        new Normalization(new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});
    BatchEncoder augmenting = BatchEncoder.augmenting(norm, new Augmentation(2, true), 1);
    ActivationExtractor plain =
        new ActivationExtractor(network, "layer1", Pooling.FLAT, BatchEncoder.evaluation(norm), 4);
    ActivationExtractor augmented =
        new ActivationExtractor(network, "layer1", Pooling.FLAT, augmenting, 4);
    ActivationSource same = plain.source(data);
    ActivationSource aug = augmented.source(data);
    int[] rows = {0, 1, 2, 3, 4, 5};
    CachedActivations cached = plain.extract(data);
    float[][] direct = same.rows(rows);
    for (int i = 0; i < rows.length; i++) {
      assertThat(direct[i]).containsExactly(cached.row(i), within(1e-6f));
    }
    float[][] a = aug.rows(rows);
    float[][] b = aug.rows(rows);
    assertThat(a).hasNumberOfRows(6);
    assertThat(a[0]).hasSize(plain.features());
    assertThat(Arrays.deepEquals(a, b)).as("each request is a new augmented view").isFalse();
  }

  @Test
  void probeLogitsOnAnEngineBatchEqualTheJavaOnes() {
    CachedActivations acts =
        new ActivationExtractor(network, "avgpool", Pooling.FLAT, BatchEncoder.pixels(), 4)
            .extract(new RandomImages(5));
    float[] w = new float[acts.features()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (i % 3 - 1) * 0.5f;
    }
    LinearProbe probe = new LinearProbe(w, -0.25f);
    try (NDManager tmp = manager.newSubManager()) {
      float[][] rows = acts.rows(new int[] {0, 1, 2, 3, 4});
      float[] flat = new float[5 * w.length];
      for (int i = 0; i < 5; i++) {
        System.arraycopy(rows[i], 0, flat, i * w.length, w.length);
      }
      float[] engine =
          probe
              .logits(tmp.create(flat, new ai.djl.ndarray.types.Shape(5, w.length)))
              .toFloatArray();
      float[] java = probe.logits(acts, 2);
      for (int i = 0; i < 5; i++) {
        assertThat(engine[i]).isCloseTo(java[i], within(1e-5f));
        assertThat(java[i]).isEqualTo(probe.logit(rows[i]));
      }
    }
  }

  @Test
  void probeTrainsOnFreshlyAugmentedActivationsEveryBatch() {
    RandomImages data = new RandomImages(12);
    Normalization norm = new Normalization(new float[] {0.5f, 0.5f, 0.5f}, new float[] {1, 1, 1});
    ActivationExtractor augmented =
        new ActivationExtractor(
            network,
            "layer2",
            Pooling.AVG,
            BatchEncoder.augmenting(norm, new Augmentation(2, true), 7),
            4);
    ActivationSource onTheFly = augmented.source(data);
    AtomicInteger requests = new AtomicInteger();
    ActivationSource counting =
        new ActivationSource() {
          @Override
          public int size() {
            return onTheFly.size();
          }

          @Override
          public int features() {
            return onTheFly.features();
          }

          @Override
          public float[][] rows(int[] rows) {
            requests.incrementAndGet();
            return onTheFly.rows(rows);
          }
        };
    CachedActivations test =
        new ActivationExtractor(network, "layer2", Pooling.AVG, BatchEncoder.evaluation(norm), 4)
            .extract(data);
    float[] y = new float[12];
    for (int i = 0; i < 12; i += 2) {
      y[i] = 1;
    }
    TrainedProbe p =
        new ProbeTrainer()
            .train(
                ProbeSpec.defaults().withEpochs(3).withBatchSize(5),
                "layer2",
                counting,
                y,
                test,
                y,
                ProbeListener.NONE);
    // 3 epochs × 3 batches of training, then one pass (one block of <= 256 rows) for the final
    // training accuracy.
    assertThat(requests.get()).isEqualTo(3 * 3 + 1);
    assertThat(p.probe().features()).isEqualTo(16);
    assertThat(p.history()).hasSize(3);
  }

  @Test
  void unknownLayerIsAUserErrorListingTheKnownOnes() {
    assertThatThrownBy(
            () ->
                new ActivationExtractor(network, "layer9", Pooling.FLAT, BatchEncoder.pixels(), 4))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("unknown layer 'layer9' for small-cnn; known: conv1, bn1");
  }

  @Test
  void normalisedEncoderSubtractsMeanAndDividesByStd() {
    try (NDManager tmp = manager.newSubManager()) {
      Example e = new RandomImages(1).get(0);
      float[] raw = e.image().toArray();
      float[] enc =
          BatchEncoder.normalized(new float[] {0.5f, 0f, 1f}, new float[] {0.25f, 1f, 2f})
              .encode(List.of(e), tmp)
              .toFloatArray();
      assertThat(enc[3]).isCloseTo((raw[3] - 0.5f) / 0.25f, within(1e-6f));
      assertThat(enc[64 + 3]).isCloseTo(raw[64 + 3], within(1e-6f));
      assertThat(enc[128 + 3]).isCloseTo((raw[128 + 3] - 1f) / 2f, within(1e-6f));
    }
  }
}
