package io.conceptrace.runner.stages;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.runner.exec.StageRunner;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/** The stage runners of an experiment, by stage name. */
public final class StageRunners {
  private StageRunners() {}

  /**
   * Every stage's runner. The data sets and concept sets are opened once and shared by the cells.
   *
   * @param scripts the Kotlin host for predicate concepts (empty under {@code --no-scripts})
   * @param aloneThreads intra-op threads of a cell that runs alone in the process (attribution):
   *     every core of the worker budget
   */
  public static Map<String, StageRunner> forExperiment(
      Experiment experiment,
      ComputeEngine engine,
      Optional<KotlinScriptHost> scripts,
      int aloneThreads) {
    return forExperiment(new StudyInputs(experiment, scripts), engine, aloneThreads);
  }

  /** Every stage's runner, over inputs already opened (and checked) by the caller. */
  public static Map<String, StageRunner> forExperiment(
      StudyInputs inputs, ComputeEngine engine, int aloneThreads) {
    Experiment experiment = inputs.experiment();
    StudyData data = inputs.data();
    Concepts concepts = inputs.concepts();
    TrainStage train = new TrainStage(experiment, data, engine);
    ProbeStage probe = new ProbeStage(experiment, concepts, engine);
    Map<String, StageRunner> out = new LinkedHashMap<>();
    out.put(Stages.TRAIN_BASE, train);
    out.put(Stages.PROBE, probe);
    out.put(Stages.ATTRIBUTE, new AttributeStage(experiment, data, concepts, engine));
    out.put(Stages.RETRAIN, train);
    out.put(Stages.REPROBE, probe);
    out.put(Stages.PRUNE_SET, new PruneSetStage());
    out.put(
        Stages.REPORT,
        new ReportStage(Optional.ofNullable(experiment.file()), Optional.of(data::train)));
    ReadWriteLock turns = new ReentrantReadWriteLock();
    out.replaceAll(
        (stage, runner) ->
            stage.equals(Stages.ATTRIBUTE)
                ? OneAtATime.alone(new GradModeOff(runner), turns, aloneThreads)
                : OneAtATime.shared(new GradModeOff(runner), turns));
    return out;
  }
}
