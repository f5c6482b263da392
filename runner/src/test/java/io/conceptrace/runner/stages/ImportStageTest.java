package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.ImportCellSpec;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.CellOutcome;
import io.conceptrace.runner.exec.CellState;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The import cell on the committed PyTorch-written fixtures: it stores the file's weights with the
 * normalisation the file carries (or the study's), evaluates the model, and fails, in one line, for
 * a file that changed after the study was planned.
 */
class ImportStageTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static final String CKPT = "../checkpoints/small-cnn-w0.125/";
  private static ComputeEngine engine;

  @TempDir Path root;

  @BeforeAll
  static void start() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
  }

  private static Experiment load(String checkpoints) {
    return new ExperimentLoader(
            new ExperimentLoader.Options(
                List.of("model.width = 0.125", "model.checkpoints = " + checkpoints),
                false,
                false,
                false),
            Optional.empty())
        .load(TINY);
  }

  private List<CellOutcome> run(Experiment e, List<Cell> cells, RunStore store) {
    Pipeline.Result result =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    e.name(),
                    cells.stream().map(MatrixCell::new).toList(),
                    store,
                    StageRunners.forExperiment(e, engine, Optional.empty()),
                    List.of(),
                    new RunPolicy(true),
                    Map.of()),
                new LocalExecutor(1),
                new ExecutionListener() {});
    return result.report().outcomes();
  }

  @Test
  void storesTheFilesWeightsWithItsOwnOrTheStudysNormalization() throws Exception {
    Experiment e = load("[" + CKPT + "normalized.safetensors, " + CKPT + "m0.safetensors]");
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(e);
    List<Cell> imports = matrix.byStage().get(Stages.IMPORT_BASE);
    RunStore store = new RunStore(root);
    List<CellOutcome> outcomes = run(e, imports, store);
    assertThat(outcomes).extracting(CellOutcome::state).containsOnly(CellState.FINISHED);

    List<StoredCell> stored = store.cells(e.name(), Stages.IMPORT_BASE);
    StoredCell withMeta = byMember(stored, "0");
    StoredCell without = byMember(stored, "1");
    assertThat(withMeta.record().provenance())
        .containsEntry("checkpoint.normalization", "checkpoint metadata")
        .containsEntry(
            "checkpoint.file", ((ImportCellSpec) imports.get(0).spec()).file().toString());
    assertThat(without.record().provenance())
        .containsEntry("checkpoint.normalization", "study data");
    assertThat(withMeta.metrics()).extracting(m -> m.name()).contains("val.top1", "val.loss");
    try (NDManager m = engine.engine().newBaseManager(engine.device());
        TrainedModel.Checkpoint a = TrainedModel.load(withMeta.artifact(StageFiles.MODEL), m);
        TrainedModel.Checkpoint b = TrainedModel.load(without.artifact(StageFiles.MODEL), m)) {
      assertThat(a.normalization())
          .isEqualTo(
              new Normalization(new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f}));
      assertThat(b.normalization()).isNotEqualTo(a.normalization());
      assertThat(a.history()).isEmpty();
      // The weights are the file's (its first conv, written by PyTorch with seed 10, differs
      // from member 1's); the full read is NetworkFiles' own test.
      assertThat(a.network().parameters().get("conv1.weight").toFloatArray())
          .isNotEqualTo(b.network().parameters().get("conv1.weight").toFloatArray());
    }
  }

  @Test
  void aFileChangedSincePlanningFailsTheCellInOneLine() {
    Experiment e = load("[" + CKPT + "m0.safetensors, " + CKPT + "m1.safetensors]");
    Cell planned =
        new MatrixExpander(Optional.empty()).expand(e).byStage().get(Stages.IMPORT_BASE).get(0);
    ImportCellSpec spec = (ImportCellSpec) planned.spec();
    // As if the file had been replaced after planning: the planned hash is another file's.
    String otherHash =
        load("[" + CKPT + "m2.safetensors, " + CKPT + "m1.safetensors]")
            .model()
            .checkpoints()
            .get(0)
            .sha256();
    Cell stale =
        Cell.of(
            planned.stage(),
            planned.coordinates(),
            new ImportCellSpec(
                spec.data(), spec.architecture(), spec.file(), otherHash, spec.seed()),
            planned.inputs());
    List<CellOutcome> outcomes = run(e, List.of(stale), new RunStore(root));
    assertThat(outcomes).hasSize(1);
    assertThat(outcomes.get(0).state()).isEqualTo(CellState.FAILED);
    assertThat(outcomes.get(0).message())
        .isEqualTo(
            spec.file()
                + " has changed since the study was planned (SHA-256 "
                + spec.sha256()
                + ", planned "
                + otherHash
                + "): plan again to import it as a new model");
  }

  private static StoredCell byMember(List<StoredCell> cells, String member) {
    return cells.stream()
        .filter(c -> member.equals(c.record().coordinates().get("member")))
        .findFirst()
        .orElseThrow();
  }
}
