package io.conceptrace.core.train;

import io.conceptrace.core.data.Augmentation;
import java.util.Objects;
import java.util.Optional;

/**
 * How to train a base model.
 *
 * @param epochs passes over the training set
 * @param batchSize examples per step (the last partial batch of an epoch is dropped)
 * @param optimizer update rule and base learning rate
 * @param schedule learning-rate multiplier over training
 * @param labelSmoothing ε of label-smoothed cross-entropy (FFCV's ResNet recipes use 0.1)
 * @param augmentation training-time augmentation
 * @param seed initialisation, shuffling and augmentation seed: the same seed gives the same weights
 *     on the same machine and thread count
 * @param loaderWorkers background threads decoding/augmenting batches
 * @param evalBatchSize batch size for validation
 * @param progressiveResolution the training image size per epoch (FFCV); empty: the data's image
 *     size throughout. Validation always uses the data's image size.
 */
public record TrainSpec(
    int epochs,
    int batchSize,
    OptimizerSpec optimizer,
    LrSchedule schedule,
    double labelSmoothing,
    Augmentation augmentation,
    long seed,
    int loaderWorkers,
    int evalBatchSize,
    Optional<ProgressiveResolution> progressiveResolution) {

  public TrainSpec {
    Objects.requireNonNull(progressiveResolution, "progressiveResolution");
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 1 || evalBatchSize < 1) {
      throw new IllegalArgumentException("batch sizes must be >= 1");
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException(
          "label smoothing must be in [0, 1), got " + labelSmoothing);
    }
    if (loaderWorkers < 1) {
      throw new IllegalArgumentException("loader workers must be >= 1, got " + loaderWorkers);
    }
  }

  /** Training at the data's image size throughout. */
  public TrainSpec(
      int epochs,
      int batchSize,
      OptimizerSpec optimizer,
      LrSchedule schedule,
      double labelSmoothing,
      Augmentation augmentation,
      long seed,
      int loaderWorkers,
      int evalBatchSize) {
    this(
        epochs,
        batchSize,
        optimizer,
        schedule,
        labelSmoothing,
        augmentation,
        seed,
        loaderWorkers,
        evalBatchSize,
        Optional.empty());
  }

  /** The side of the training images in (0-based) {@code epoch} for data of {@code imageSize}. */
  public int resolution(int epoch, int imageSize) {
    return progressiveResolution.map(r -> r.at(epoch)).orElse(imageSize);
  }

  /**
   * A small-image recipe in the style of FFCV's CIFAR/ResNet ones: SGD with Nesterov momentum 0.9,
   * weight decay 5e-4 (not on batch norm), triangular schedule peaking at a fifth of training,
   * label smoothing 0.1, padded random crops and flips.
   */
  public static TrainSpec smallImages(int epochs, int batchSize, double learningRate, long seed) {
    return new TrainSpec(
        epochs,
        batchSize,
        OptimizerSpec.sgd(learningRate, 0.9, true, 5e-4),
        new LrSchedule.Triangular(Math.max(0.5, epochs / 5.0)),
        0.1,
        Augmentation.standard(),
        seed,
        2,
        256);
  }

  public TrainSpec withEpochs(int newEpochs) {
    return new TrainSpec(
        newEpochs,
        batchSize,
        optimizer,
        schedule,
        labelSmoothing,
        augmentation,
        seed,
        loaderWorkers,
        evalBatchSize,
        progressiveResolution);
  }

  public TrainSpec withAugmentation(Augmentation newAugmentation) {
    return new TrainSpec(
        epochs,
        batchSize,
        optimizer,
        schedule,
        labelSmoothing,
        newAugmentation,
        seed,
        loaderWorkers,
        evalBatchSize,
        progressiveResolution);
  }
}
