package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.BatchLoader;
import io.conceptrace.core.data.HostBatch;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.nn.Scalars;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Trains a base image classifier from scratch: seeded initialisation, shuffled augmented batches
 * prefetched on background threads, label-smoothed cross-entropy, the optimizer and schedule of a
 * {@link TrainSpec}, validation (top-1/top-5) after every epoch.
 *
 * <p>Gradients are recorded with {@link Autograd} (thread-confined), so several trainers may run on
 * different threads of one process.
 */
public final class BaseTrainer {
  private final NDManager manager;

  /**
   * @param manager parent of every array the trainer creates; the result's network lives in it
   */
  public BaseTrainer(NDManager manager) {
    this.manager = manager;
  }

  /**
   * Trains a network of architecture {@code arch} on {@code train}.
   *
   * @param validation evaluated after every epoch; empty to skip
   * @return the trained network (evaluation mode from here on) with its history; the caller closes
   *     it
   */
  public TrainedModel train(
      ArchitectureSpec arch,
      ImageDataset train,
      Optional<ImageDataset> validation,
      Normalization normalization,
      TrainSpec spec,
      TrainListener listener) {
    checkCompatible(arch, train);
    validation.ifPresent(v -> checkCompatible(arch, v));
    if (train.size() == 0) {
      throw new IllegalArgumentException("training set " + train.name() + " is empty");
    }
    Network network = Network.create(arch, manager, spec.seed());
    List<EpochMetrics> history = new ArrayList<>();
    BatchLoader.Options loaderOptions =
        new BatchLoader.Options(
            spec.batchSize(),
            true,
            train.size() >= spec.batchSize(),
            spec.augmentation(),
            normalization,
            spec.loaderWorkers(),
            2 * spec.loaderWorkers(),
            spec.seed());
    try (BatchLoader loader = new BatchLoader(train, loaderOptions);
        TrainingStep trainingStep =
            new TrainingStep(network, spec.optimizer(), spec.labelSmoothing(), manager)) {
      int steps = loader.batchesPerEpoch();
      for (int epoch = 0; epoch < spec.epochs(); epoch++) {
        long start = System.nanoTime();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        double lr = 0;
        Iterator<HostBatch> batches =
            loader.epoch(epoch, spec.resolution(epoch, train.imageSize()));
        for (int s = 0; s < steps; s++) {
          HostBatch batch = batches.next();
          lr =
              spec.optimizer().learningRate()
                  * spec.schedule().factor(epoch + (double) s / steps, spec.epochs());
          try (NDManager step = manager.newSubManager()) {
            TrainingStep.Result r =
                trainingStep.run(batch.images(step), batch.labels(step), lr, step);
            lossSum += r.loss() * batch.size();
            correct += r.correct();
            seen += batch.size();
            listener.onStep(epoch + 1, s + 1, steps, r.loss());
          }
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        Evaluation val =
            validation
                .map(
                    v ->
                        Evaluation.of(
                            network,
                            v,
                            normalization,
                            spec.evalBatchSize(),
                            spec.loaderWorkers(),
                            manager))
                .orElse(new Evaluation(Double.NaN, Double.NaN, Double.NaN, 0));
        EpochMetrics m =
            new EpochMetrics(
                epoch + 1,
                lossSum / seen,
                (double) correct / seen,
                val.loss(),
                val.top1(),
                val.top5(),
                lr,
                seen / trainSeconds,
                (System.nanoTime() - start) / 1e9);
        history.add(m);
        listener.onEpoch(m);
      }
      return new TrainedModel(network, normalization, List.copyOf(history), spec);
    } catch (RuntimeException e) {
      network.close();
      throw e;
    }
  }

  /**
   * Mean cross-entropy against targets smoothed towards uniform: (1 − ε)·one-hot + ε/K (PyTorch's
   * {@code CrossEntropyLoss(label_smoothing=ε)}).
   */
  public static NDArray smoothedCrossEntropy(NDArray logits, NDArray labels, double epsilon) {
    int classes = (int) logits.getShape().get(1);
    NDArray logp = logits.logSoftmax(1);
    NDArray target =
        Scalars.mul(labels.oneHot(classes), (float) (1 - epsilon)).add((float) (epsilon / classes));
    return logp.mul(target).sum(new int[] {1}).neg().mean();
  }

  private static void checkCompatible(ArchitectureSpec arch, ImageDataset data) {
    if (data.channels() != arch.inputChannels()
        || data.imageSize() != arch.imageSize()
        || data.classNames().size() != arch.classes()) {
      throw new IllegalArgumentException(
          "architecture expects "
              + arch.inputChannels()
              + "x"
              + arch.imageSize()
              + "x"
              + arch.imageSize()
              + " images and "
              + arch.classes()
              + " classes, but "
              + data.name()
              + " has "
              + data.channels()
              + "x"
              + data.imageSize()
              + "x"
              + data.imageSize()
              + " and "
              + data.classNames().size());
    }
  }
}
