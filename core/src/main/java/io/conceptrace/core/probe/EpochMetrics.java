package io.conceptrace.core.probe;

/**
 * One epoch of probe training.
 *
 * @param epoch 1-based
 * @param sparse whether the sparsity mask was in force (the second half of an IHT run)
 * @param trainLoss mean binary cross-entropy over the epoch's training batches
 * @param valLoss mean binary cross-entropy on the concept test split after the epoch
 * @param valAccuracy accuracy on the concept test split after the epoch
 */
public record EpochMetrics(
    int epoch, boolean sparse, double trainLoss, double valLoss, double valAccuracy) {}
