package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.BatchLoader;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.HostBatch;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.core.engine.ProcessCpu;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Training throughput of one network with one study's training settings (batch size, optimizer,
 * weight decay, label smoothing, augmentation), measured twice on the same steps: with the real
 * data pipeline (generated images decoded, augmented and normalised on loader threads while the
 * network trains) and with pre-loaded tensors (the same batches made once, reused), so that the
 * loader's overhead is visible. Rates are given per wall second and per CPU-second of the process
 * (all threads: on a loaded machine wall time also measures the other processes). The two modes are
 * measured in alternating rounds so that a change in machine load affects both alike. The learning
 * rate stays at the optimizer's base rate: a schedule changes no step's cost.
 */
public final class TrainBenchmark {
  private TrainBenchmark() {}

  /**
   * @param arch the network; generated images are given its channels, size and classes
   * @param training the study's training settings (epochs, schedule and seed are not used)
   * @param warmupSteps untimed steps first (allocator and JIT warm-up)
   * @param steps timed steps per mode
   * @param rounds the timed steps are split into this many alternating pipeline/pre-loaded rounds
   * @param workers loader threads
   */
  public record Setup(
      ArchitectureSpec arch,
      TrainSpec training,
      int warmupSteps,
      int steps,
      int rounds,
      int workers) {
    public Setup {
      if (warmupSteps < 0 || steps < 1 || rounds < 1 || workers < 1) {
        throw new IllegalArgumentException("bad benchmark setup " + this);
      }
    }

    public int batchSize() {
      return training.batchSize();
    }
  }

  /**
   * @param parameters trainable parameter count
   * @param pipelineImagesPerSecond with the data pipeline
   * @param preloadedImagesPerSecond with tensors made in advance
   * @param pipelineImagesPerCpuSecond with the pipeline, per CPU-second of the process
   * @param preloadedImagesPerCpuSecond pre-loaded, per CPU-second of the process
   */
  public record Result(
      Setup setup,
      long parameters,
      double pipelineImagesPerSecond,
      double preloadedImagesPerSecond,
      double pipelineImagesPerCpuSecond,
      double preloadedImagesPerCpuSecond) {
    /** How much longer a step takes with the pipeline, in percent of the pre-loaded time. */
    public double loaderOverheadPercent() {
      return 100 * (preloadedImagesPerSecond / pipelineImagesPerSecond - 1);
    }
  }

  public static Result run(Setup setup, NDManager manager) {
    ArchitectureSpec arch = setup.arch();
    int perRound = Math.max(1, setup.steps() / setup.rounds());
    TrainSpec training = setup.training();
    ImageDataset data =
        new ShapesFor(
            arch,
            new SyntheticShapes(
                new SyntheticShapes.Config(
                    1, "bench", setup.batchSize() * 40, arch.imageSize(), 0.3)));
    Normalization norm = Normalization.estimate(data, 256);
    BatchLoader.Options options =
        new BatchLoader.Options(
            setup.batchSize(),
            true,
            true,
            training.augmentation(),
            norm,
            setup.workers(),
            2 * setup.workers(),
            1);
    double lr = training.optimizer().learningRate();
    try (NDManager own = manager.newSubManager();
        Network network = Network.create(arch, own, 1);
        TrainingStep step =
            new TrainingStep(network, training.optimizer(), training.labelSmoothing(), own);
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
        runOne(step, b[0], b[1], lr, own);
      }
      long pipelineNanos = 0;
      long preloadedNanos = 0;
      long pipelineCpu = 0;
      long preloadedCpu = 0;
      int pipelineImages = 0;
      int preloadedImages = 0;
      for (int round = 0; round < setup.rounds(); round++) {
        // Untimed: drain the batches the loader prepared while the pre-loaded round ran, so the
        // timed pipeline steps see the loader's steady state rather than a full queue.
        for (int i = 0; i < options.prefetch(); i++) {
          HostBatch b = pipeline.next();
          try (NDManager scratch = own.newSubManager()) {
            runOne(step, b.images(scratch), b.labels(scratch), lr, scratch);
          }
        }
        long c0 = ProcessCpu.nanos();
        long t0 = System.nanoTime();
        for (int i = 0; i < perRound; i++) {
          HostBatch b = pipeline.next();
          try (NDManager scratch = own.newSubManager()) {
            runOne(step, b.images(scratch), b.labels(scratch), lr, scratch);
          }
          pipelineImages += b.size();
        }
        long t1 = System.nanoTime();
        long c1 = ProcessCpu.nanos();
        for (int i = 0; i < perRound; i++) {
          NDArray[] b = preloaded.get(i % preloaded.size());
          runOne(step, b[0], b[1], lr, own);
          preloadedImages += (int) b[0].getShape().get(0);
        }
        long t2 = System.nanoTime();
        long c2 = ProcessCpu.nanos();
        pipelineNanos += t1 - t0;
        preloadedNanos += t2 - t1;
        pipelineCpu += c1 - c0;
        preloadedCpu += c2 - c1;
      }
      long params = network.parameters().values().stream().mapToLong(NDArray::size).sum();
      return new Result(
          setup,
          params,
          pipelineImages / (pipelineNanos / 1e9),
          preloadedImages / (preloadedNanos / 1e9),
          pipelineImages / (pipelineCpu / 1e9),
          preloadedImages / (preloadedCpu / 1e9));
    }
  }

  private static void runOne(TrainingStep step, NDArray x, NDArray y, double lr, NDManager parent) {
    try (NDManager scratch = parent.newSubManager()) {
      step.run(x, y, lr, scratch);
    }
  }

  /**
   * Generated RGB shapes as the network's input: channels averaged to one (grey) or repeated, and
   * labels folded into its classes, so that any study's network can be timed on them.
   */
  private record ShapesFor(ArchitectureSpec arch, ImageDataset rgb) implements ImageDataset {
    @Override
    public String name() {
      return rgb.name();
    }

    @Override
    public int size() {
      return rgb.size();
    }

    @Override
    public Example get(int index) {
      Example e = rgb.get(index);
      ImageTensor image = e.image();
      int channels = arch.inputChannels();
      if (image.channels() != channels) {
        int h = image.height();
        int w = image.width();
        float[] out = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            float mean = 0;
            for (int c = 0; c < image.channels(); c++) {
              mean += image.get(c, y, x) / image.channels();
            }
            for (int c = 0; c < channels; c++) {
              out[(c * h + y) * w + x] = mean;
            }
          }
        }
        image = new ImageTensor(channels, h, w, out);
      }
      return new Example(e.id(), e.label() % arch.classes(), image, e.attributes());
    }

    @Override
    public int label(int index) {
      return rgb.label(index) % arch.classes();
    }

    @Override
    public int channels() {
      return arch.inputChannels();
    }

    @Override
    public int imageSize() {
      return rgb.imageSize();
    }

    @Override
    public java.util.List<String> classNames() {
      java.util.List<String> names = new ArrayList<>();
      for (int c = 0; c < arch.classes(); c++) {
        names.add(c < rgb.classNames().size() ? rgb.classNames().get(c) : "class-" + c);
      }
      return names;
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
