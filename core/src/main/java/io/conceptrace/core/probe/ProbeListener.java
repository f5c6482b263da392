package io.conceptrace.core.probe;

/** Observes probe training (progress, tracking, and tests that watch every step). */
public interface ProbeListener {
  ProbeListener NONE = new ProbeListener() {};

  /** The state after one optimiser step. Copies are made only when a view method is called. */
  interface Step {
    int epoch();

    int step();

    boolean sparse();

    float[] weights();

    float bias();

    /** Which weights are frozen at zero (all false before thresholding). */
    boolean[] frozen();
  }

  default void afterStep(Step step) {}

  default void afterEpoch(EpochMetrics metrics) {}
}
