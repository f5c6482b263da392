package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.nn.NetworkFiles;
import io.conceptrace.core.train.CheckpointNormalization;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.TrainCellSpec;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctrace export}: the golden study's base models, stored as a train-base cell stores them,
 * come out as safetensors files that read back as the same network (identical logits in train and
 * eval mode) with the normalisation in their metadata, and that a study imports with {@code
 * model.checkpoints}.
 */
class ExportCommandTest {
  static final String PLAN = PlanDiffGoldenTest.PLAN;
  private static final Normalization NORM =
      new Normalization(new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.7f, 0.8f, 0.9f});

  @TempDir Path store;
  @TempDir Path out;
  private RunMatrix matrix;
  private NDManager manager;

  @BeforeEach
  void storeTwoBaseModels() {
    Experiment e =
        new ExperimentLoader(
                new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
            .load(Path.of(PLAN));
    matrix = new MatrixExpander(Optional.empty()).expand(e);
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    manager = engine.engine().newBaseManager(engine.device());
    RunStore runs = new RunStore(store);
    long seed = 11;
    for (Cell c : matrix.byStage().get(Stages.TRAIN_BASE)) {
      ArchitectureSpec arch = ((TrainCellSpec) c.spec()).architecture();
      try (CellWriter w = runs.open("golden", c.stage(), c.id());
          Network net = Network.create(arch, manager, seed++)) {
        new TrainedModel.Checkpoint(net, NORM, List.of()).save(w.directory().resolve("model"));
        w.commit(w.recordBuilder().build());
      }
    }
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void theBaseModelsComeOutAsSafetensorsThatReadBackAsTheSameNetworks() throws Exception {
    CliHarness r =
        CliHarness.run("export", PLAN, "--store", store.toString(), "--out", out.toString());
    assertThat(r.exitCode()).as(r.err()).isZero();
    List<Cell> bases = matrix.byStage().get(Stages.TRAIN_BASE);
    assertThat(r.out().lines().toList())
        .containsExactly(
            out.resolve("train-base-m0.safetensors") + "\ttrain-base m0\t" + bases.get(0).id(),
            out.resolve("train-base-m1.safetensors") + "\ttrain-base m1\t" + bases.get(1).id());
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.randomNormal(new Shape(3, 3, 32, 32));
      for (int i = 0; i < 2; i++) {
        Path file = out.resolve("train-base-m" + i + ".safetensors");
        Path stored =
            store.resolve("golden/train-base").resolve(bases.get(i).id()).resolve("model");
        ArchitectureSpec arch = ((TrainCellSpec) bases.get(i).spec()).architecture();
        try (TrainedModel.Checkpoint original = TrainedModel.load(stored, m);
            Network imported = NetworkFiles.readSafetensors(file, arch, m)) {
          for (Mode mode : List.of(Mode.EVAL, Mode.TRAIN)) {
            float[] want = original.network().forward(x, mode).toFloatArray();
            float[] got = imported.forward(x, mode).toFloatArray();
            assertThat(got).as("%s logits of %s", mode, file).containsExactly(want);
          }
        }
        Map<String, String> meta = NetworkFiles.safetensorsMetadata(file);
        assertThat(CheckpointNormalization.read(meta, file, 3)).contains(NORM);
        assertThat(meta)
            .containsEntry("ctrace.cell", "train-base m" + i)
            .containsEntry("ctrace.cell-id", bases.get(i).id())
            .containsEntry(
                "ctrace.architecture",
                "arch=small-cnn width=0.5 stem=small channels=3 classes=10 image-size=32");
      }
      // The two members are different networks (the test would pass for copies of one).
      assertThat(
              Files.mismatch(
                  out.resolve("train-base-m0.safetensors"),
                  out.resolve("train-base-m1.safetensors")))
          .isNotEqualTo(-1L);
    }

    // The same study, importing what was exported: import-base cells with the files' hashes.
    CliHarness plan =
        CliHarness.run(
            "plan",
            PLAN,
            "--store",
            store.toString(),
            "--set",
            "model.checkpoints = \"" + out.toAbsolutePath() + "/*.safetensors\"");
    assertThat(plan.exitCode()).as(plan.err()).isZero();
    assertThat(plan.out())
        .contains("import-base m0", "import-base m1")
        // No train-base stage row or cell (the imported files' names may say train-base).
        .doesNotContainPattern("(?m)^train-base")
        .doesNotContain("  train-base m");
  }

  @Test
  void aModelNotInTheStoreYetIsOneLineAndExitOne() {
    CliHarness r =
        CliHarness.run(
            "export",
            PLAN,
            "--store",
            store.toString(),
            "--out",
            out.toString(),
            "--stage",
            "retrain");
    assertThat(r.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(r.err().lines().toList())
        .containsExactly(
            "ctrace: error: 2 of golden's retrain model(s) have no intact result in "
                + store
                + "; run `ctrace run "
                + PLAN
                + "` first (ctrace plan shows which)");
    CliHarness bad = CliHarness.run("export", PLAN, "--out", out.toString(), "--stage", "probe");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err().strip())
        .isEqualTo(
            "ctrace: error: --stage probe holds no models; choose from train-base, import-base,"
                + " retrain, lds-train");
  }
}
