package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.BatchLoader;
import io.conceptrace.core.data.HostBatch;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Training throughput of one architecture, measured twice on the same steps: with the real data
 * pipeline (generated images decoded, augmented and normalised on loader threads while the network
 * trains) and with pre-loaded tensors (the same batches made once, reused), so that the loader's
 * overhead is visible. The two are measured in alternating rounds so that a change in machine load
 * affects both alike.
 */
public final class TrainBenchmark {
  private TrainBenchmark() {}

  /**
   * @param arch the network (three input channels: the benchmark feeds generated RGB images)
   * @param batchSize examples per step
   * @param warmupSteps untimed steps first (allocator and JIT warm-up)
   * @param steps timed steps per mode
   * @param rounds the timed steps are split into this many alternating pipeline/pre-loaded rounds
   * @param workers loader threads
   */
  public record Setup(
      ArchitectureSpec arch, int batchSize, int warmupSteps, int steps, int rounds, int workers) {
    public Setup {
      if (arch.inputChannels() != 3) {
        throw new IllegalArgumentException("the benchmark feeds RGB images: use 3 input channels");
      }
      if (batchSize < 1 || warmupSteps < 0 || steps < 1 || rounds < 1 || workers < 1) {
        throw new IllegalArgumentException("bad benchmark setup " + this);
      }
    }
  }

  /**
   * @param parameters trainable parameter count
   * @param pipelineImagesPerSecond with the data pipeline
   * @param preloadedImagesPerSecond with tensors made in advance
   */
  public record Result(
      Setup setup,
      long parameters,
      double pipelineImagesPerSecond,
      double preloadedImagesPerSecond) {
    /** How much longer a step takes with the pipeline, in percent of the pre-loaded time. */
    public double loaderOverheadPercent() {
      return 100 * (preloadedImagesPerSecond / pipelineImagesPerSecond - 1);
    }
  }

  public static Result run(Setup setup, NDManager manager) {
    ArchitectureSpec arch = setup.arch();
    int perRound = Math.max(1, setup.steps() / setup.rounds());
    ImageDataset data =
        new SyntheticShapes(
            new SyntheticShapes.Config(1, "bench", setup.batchSize() * 40, arch.imageSize(), 0.3));
    Normalization norm = Normalization.estimate(data, 256);
    BatchLoader.Options options =
        new BatchLoader.Options(
            setup.batchSize(),
            true,
            true,
            Augmentation.standard(),
            norm,
            setup.workers(),
            2 * setup.workers(),
            1);
    OptimizerSpec sgd = OptimizerSpec.sgd(0.05, 0.9, true, 5e-4);
    try (NDManager own = manager.newSubManager();
        Network network = Network.create(arch, own, 1);
        TrainingStep step = new TrainingStep(network, sgd, 0.1, own);
        BatchLoader loader = new BatchLoader(data, options)) {
      BatchSource pipeline = new BatchSource(loader);
      // Pre-loaded: a few batches made once, as arrays, cycled.
      List<NDArray[]> preloaded = new ArrayList<>();
      for (int i = 0; i < Math.min(4, perRound); i++) {
        HostBatch b = pipeline.next();
        preloaded.add(new NDArray[] {b.images(own), b.labels(own)});
      }
      for (int i = 0; i < setup.warmupSteps(); i++) {
        NDArray[] b = preloaded.get(i % preloaded.size());
        runOne(step, b[0], b[1], own);
      }
      long pipelineNanos = 0;
      long preloadedNanos = 0;
      int pipelineImages = 0;
      int preloadedImages = 0;
      for (int round = 0; round < setup.rounds(); round++) {
        // Untimed: drain the batches the loader prepared while the pre-loaded round ran, so the
        // timed pipeline steps see the loader's steady state rather than a full queue.
        for (int i = 0; i < options.prefetch(); i++) {
          HostBatch b = pipeline.next();
          try (NDManager scratch = own.newSubManager()) {
            runOne(step, b.images(scratch), b.labels(scratch), scratch);
          }
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < perRound; i++) {
          HostBatch b = pipeline.next();
          try (NDManager scratch = own.newSubManager()) {
            runOne(step, b.images(scratch), b.labels(scratch), scratch);
          }
          pipelineImages += b.size();
        }
        long t1 = System.nanoTime();
        for (int i = 0; i < perRound; i++) {
          NDArray[] b = preloaded.get(i % preloaded.size());
          runOne(step, b[0], b[1], own);
          preloadedImages += (int) b[0].getShape().get(0);
        }
        long t2 = System.nanoTime();
        pipelineNanos += t1 - t0;
        preloadedNanos += t2 - t1;
      }
      long params = network.parameters().values().stream().mapToLong(NDArray::size).sum();
      return new Result(
          setup,
          params,
          pipelineImages / (pipelineNanos / 1e9),
          preloadedImages / (preloadedNanos / 1e9));
    }
  }

  private static void runOne(TrainingStep step, NDArray x, NDArray y, NDManager parent) {
    try (NDManager scratch = parent.newSubManager()) {
      step.run(x, y, 0.05, scratch);
    }
  }

  /** Endless batches from a loader, epoch after epoch. */
  private static final class BatchSource {
    private final BatchLoader loader;
    private Iterator<HostBatch> current;
    private int epoch;

    BatchSource(BatchLoader loader) {
      this.loader = loader;
      this.current = loader.epoch(0);
    }

    HostBatch next() {
      if (!current.hasNext()) {
        current = loader.epoch(++epoch);
      }
      return current.next();
    }
  }
}
