package io.conceptrace.core.probe;

import java.time.Duration;
import java.util.List;

/**
 * A trained probe and how it got there.
 *
 * @param layer the probed layer's name
 * @param spec the settings it was trained with
 * @param probe the CAV and bias
 * @param history per-epoch loss and validation accuracy
 * @param trainAccuracy final accuracy on the concept training split
 * @param valAccuracy final accuracy on the concept test split
 * @param valAuc final ROC AUC on the concept test split
 * @param trainingTime wall time of training (excluding activation extraction)
 */
public record TrainedProbe(
    String layer,
    ProbeSpec spec,
    LinearProbe probe,
    List<EpochMetrics> history,
    double trainAccuracy,
    double valAccuracy,
    double valAuc,
    Duration trainingTime) {
  public TrainedProbe {
    history = List.copyOf(history);
  }

  /** The number of non-zero CAV entries (at most k for a sparse probe). */
  public int nonZeros() {
    return probe.nonZeros();
  }
}
