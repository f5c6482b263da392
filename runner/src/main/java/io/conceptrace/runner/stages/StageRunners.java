package io.conceptrace.runner.stages;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.runner.exec.StageRunner;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The stage runners of an experiment, by stage name. */
public final class StageRunners {
  private StageRunners() {}

  /**
   * Every stage's runner. The data sets and concept sets are opened once and shared by the cells.
   *
   * <p>Every stage runs beside every other: gradients are recorded per thread ({@code
   * core.nn.Autograd}), so attribution needs no process-wide lock. (An earlier lock let TRAK run
   * only alone, because identical runs differed when it ran beside training; the cause was a scalar
   * freed by the garbage collector before backward read it, see {@code core.nn.Scalars} and
   * docs/execution.md.)
   *
   * @param scripts the Kotlin host for predicate concepts (empty under {@code --no-scripts})
   */
  public static Map<String, StageRunner> forExperiment(
      Experiment experiment, ComputeEngine engine, Optional<KotlinScriptHost> scripts) {
    return forExperiment(new StudyInputs(experiment, scripts), engine);
  }

  /** Every stage's runner, over inputs already opened (and checked) by the caller. */
  public static Map<String, StageRunner> forExperiment(StudyInputs inputs, ComputeEngine engine) {
    Experiment experiment = inputs.experiment();
    StudyData data = inputs.data();
    Concepts concepts = inputs.concepts();
    TrainStage train = new TrainStage(data, engine);
    ProbeStage probe = new ProbeStage(concepts, engine);
    Map<String, StageRunner> out = new LinkedHashMap<>();
    out.put(Stages.TRAIN_BASE, train);
    out.put(Stages.IMPORT_BASE, new ImportStage(data, engine));
    out.put(Stages.CONCEPT, new ConceptStage(data, engine));
    out.put(Stages.PROBE, probe);
    out.put(Stages.ATTRIBUTE, new AttributeStage(data, concepts, engine));
    out.put(Stages.RETRAIN, train);
    out.put(Stages.REPROBE, probe);
    out.put(Stages.PRUNE_SET, new PruneSetStage());
    LdsStage lds = new LdsStage(data, concepts, engine);
    out.put(Stages.LDS_TRAIN, train);
    out.put(Stages.LDS_PROBE, new ProbeStage(concepts, engine, Optional.of(lds)));
    out.put(Stages.LDS, lds);
    out.put(
        Stages.REPORT,
        new ReportStage(
            Optional.ofNullable(experiment.file()),
            Optional.of(data::train),
            (name, conceptCells) -> Optional.of(concepts.get(name, conceptCells).spec())));
    out.replaceAll((stage, runner) -> new GradModeOff(runner));
    return out;
  }
}
