package io.conceptrace.core.probe;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The speed check, made repeatable: probe training on cached activations of a 3,000-image
 * concept set at the widest layer of the quickstart network (small-cnn, width 1, 32×32 RGB: layer1
 * = 32·32·32 = 32,768 features). It prints the times (no timed assertion: the numbers depend on the
 * machine and its load) and checks what must hold whatever the speed.
 *
 * <p>Run: {@code mvn -B -o -pl core -am test -Dtest=ProbeTrainingSpeedTest
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("slow")
class ProbeTrainingSpeedTest {

  @Test
  void probeOnCachedWidestLayerActivationsOf3000Images(@TempDir Path dir) {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    ArchitectureSpec quickstart = new ArchitectureSpec("small-cnn", 1.0, true, 3, 32, 10);
    int n = 3000;
    ImageDataset images = new NoiseImages(n);
    // Labels: the index parity, planted in the images' brightness (see NoiseImages).
    float[] labels = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 2;
    }
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Network network = Network.create(quickstart, manager, 0)) {
      ActivationExtractor ex =
          new ActivationExtractor(network, "layer1", Pooling.FLAT, BatchEncoder.pixels(), 100);
      assertThat(ex.features()).isEqualTo(32768);
      long t0 = System.nanoTime();
      Path file = dir.resolve("layer1.npy");
      ex.extractTo(images, file);
      long t1 = System.nanoTime();
      ProbeTrainer trainer = new ProbeTrainer();
      CachedActivations train = CachedActivations.load(file);
      {
        long t2 = System.nanoTime();
        ProbeSpec spec = ProbeSpec.defaults(); // 20 epochs, batch 64, Adam 1e-3
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        long c0 = cpu.getCurrentThreadCpuTime();
        TrainedProbe dense =
            trainer.train(spec, "layer1", train, labels, train, labels, ProbeListener.NONE);
        long c1 = cpu.getCurrentThreadCpuTime();
        TrainedProbe sparse =
            trainer.train(
                spec.withSparsity(64), "layer1", train, labels, train, labels, ProbeListener.NONE);
        long c2 = cpu.getCurrentThreadCpuTime();
        System.out.printf(
            "probe speed (3000 x 32768, %d cores): extract+write %.1f s, load %.1f s, dense 20 epochs"
                + " %.1f s wall / %.1f s CPU, sparse k=64 20 epochs %.1f s wall / %.1f s CPU%n",
            Runtime.getRuntime().availableProcessors(),
            (t1 - t0) / 1e9,
            (t2 - t1) / 1e9,
            dense.trainingTime().toMillis() / 1e3,
            (c1 - c0) / 1e9,
            sparse.trainingTime().toMillis() / 1e3,
            (c2 - c1) / 1e9);
        assertThat(dense.history()).hasSize(20);
        assertThat(sparse.nonZeros()).isLessThanOrEqualTo(64);
        // Brightness parity is planted in the pixels, so even a random layer1 separates it.
        assertThat(dense.trainAccuracy()).isGreaterThan(0.9);
      }
    }
  }

  /** Noise images whose brightness depends on the parity of the index (the planted concept). */
  private static final class NoiseImages implements ImageDataset {
    private final int size;

    NoiseImages(int size) {
      this.size = size;
    }

    @Override
    public String name() {
      return "noise";
    }

    @Override
    public int size() {
      return size;
    }

    @Override
    public Example get(int index) {
      Random r = new Random(index);
      float base = index % 2 == 1 ? 0.6f : 0.4f;
      float[] px = new float[3 * 32 * 32];
      for (int i = 0; i < px.length; i++) {
        px[i] = base + 0.3f * (r.nextFloat() - 0.5f);
      }
      return new Example("noise/" + index, 0, new ImageTensor(3, 32, 32, px), Set.of());
    }

    @Override
    public List<String> classNames() {
      return List.of("noise");
    }

    @Override
    public int channels() {
      return 3;
    }

    @Override
    public int imageSize() {
      return 32;
    }
  }
}
