package io.conceptrace.core.train;

/** Receives progress from {@link BaseTrainer}; called on the training thread. */
public interface TrainListener {
  /** A listener that ignores everything. */
  TrainListener NONE = new TrainListener() {};

  /** After every optimisation step. */
  default void onStep(int epoch, int step, int stepsPerEpoch, double loss) {}

  /** After every epoch (validation included). */
  default void onEpoch(EpochMetrics metrics) {}
}
