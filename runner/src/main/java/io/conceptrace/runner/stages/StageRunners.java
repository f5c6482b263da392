package io.conceptrace.runner.stages;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.StageRunner;
import java.util.LinkedHashMap;
import java.util.Map;

/** The stage runners of an experiment, by stage name. */
public final class StageRunners {
  private StageRunners() {}

  /**
   * Runners for the stages this build implements. A matrix stage without a runner stops the run
   * before anything executes, with a one-line message naming the stage.
   */
  public static Map<String, StageRunner> forExperiment(Experiment experiment) {
    Map<String, StageRunner> out = new LinkedHashMap<>();
    out.put(Stages.PRUNE_SET, new PruneSetStage());
    out.put(Stages.REPORT, new ReportStage());
    return out;
  }
}
