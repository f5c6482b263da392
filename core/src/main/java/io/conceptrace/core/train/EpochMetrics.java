package io.conceptrace.core.train;

/**
 * What one epoch of training measured.
 *
 * @param epoch 1-based
 * @param trainLoss mean training loss (with label smoothing, augmented images, training-mode batch
 *     norm)
 * @param trainAccuracy top-1 on the augmented training batches as they were trained on
 * @param valLoss mean unsmoothed cross-entropy on the validation set (NaN when there is none)
 * @param valTop1 validation top-1 accuracy (NaN when there is no validation set)
 * @param valTop5 validation top-5 accuracy (NaN when there is no validation set)
 * @param learningRate the rate of the epoch's last step
 * @param imagesPerSecond training throughput, data loading included, validation excluded
 * @param seconds wall time of the epoch including validation
 */
public record EpochMetrics(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    double valLoss,
    double valTop1,
    double valTop5,
    double learningRate,
    double imagesPerSecond,
    double seconds) {}
