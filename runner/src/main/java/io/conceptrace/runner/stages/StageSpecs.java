package io.conceptrace.runner.stages;

import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;

/**
 * What the stages hand to core for an experiment, for commands outside the stages (the benchmarks),
 * so that they time exactly what a study's cells compute: the same mapping, not a copy of it.
 */
public final class StageSpecs {
  private StageSpecs() {}

  /** What a {@code train-base} cell of the experiment trains with (seeded with {@code seed}). */
  public static TrainSpec training(Experiment experiment, long seed) {
    return TrainStage.spec(experiment.training(), seed);
  }

  /**
   * What an {@code attribute} cell of the experiment hands to TRAK (projection seed {@code seed}).
   */
  public static TrakSpec attribution(Experiment experiment, long seed) {
    return AttributeStage.spec(experiment.attribution(), seed);
  }
}
