package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.conceptrace.core.io.Npy;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint as an activation concept's reference: a study trains its base models and defines a
 * concept by base model 0's layer2 channels; a second study imports the exported checkpoints
 * ({@code model.checkpoints}) and defines the same concept on its imported model 0. Its concept
 * cell reads the import-base cell and computes the same scores and threshold; a third study names
 * the exported file itself as the reference ({@code reference { checkpoint = PATH }}).
 */
@Tag("slow")
class ActivationConceptOfImportedModelTest {
  private static final Path SOURCE = Path.of("src/test/resources/experiments/imported/source.conf");
  private static final String CONCEPT =
      "concepts.act { kind = activation, reference = \"train-base[0]\", layer = layer2, channels ="
          + " [0, 3], fraction = 0.1 }\n";

  @TempDir Path dir;

  @Test
  void theImportedModelGivesTheTrainedModelsScores() throws Exception {
    String store = dir.resolve("runs").toString();
    Path trainedConf =
        Files.writeString(
            dir.resolve("trained.conf"),
            "include file(\""
                + SOURCE.toAbsolutePath()
                + "\")\nexperiment.name = act-trained\n"
                + CONCEPT);
    CliHarness trained = CliHarness.run("run", trainedConf.toString(), "--store", store);
    assertThat(trained.exitCode()).as(trained.err()).isZero();
    CliHarness export =
        CliHarness.run(
            "export",
            trainedConf.toString(),
            "--store",
            store,
            "--out",
            dir.resolve("models").toString());
    assertThat(export.exitCode()).as(export.err()).isZero();

    Path importedConf =
        Files.writeString(
            dir.resolve("imported.conf"),
            "include file(\""
                + trainedConf.toAbsolutePath()
                + "\")\nexperiment.name = act-imported\n"
                + "model.checkpoints = \"models/*.safetensors\"\n");
    CliHarness imported = CliHarness.run("run", importedConf.toString(), "--store", store);
    assertThat(imported.exitCode()).as(imported.err()).isZero();

    RunStore runs = new RunStore(Path.of(store));
    StoredCell fromTrained = only(runs.cells("act-trained", Stages.CONCEPT));
    StoredCell fromImported = only(runs.cells("act-imported", Stages.CONCEPT));
    StoredCell importedBase0 =
        runs.cells("act-imported", Stages.IMPORT_BASE).stream()
            .filter(c -> c.record().coordinates().get("member").equals("0"))
            .findFirst()
            .orElseThrow();
    assertThat(fromImported.record().inputs()).containsExactly(importedBase0.record().cellId());
    for (String file :
        List.of("concept/train-scores.npy", "concept/val-scores.npy", "concept/threshold.npy")) {
      assertThat(Npy.readFloat64(fromImported.artifact(file)))
          .as(file)
          .containsExactly(Npy.readFloat64(fromTrained.artifact(file)), within(1e-5));
    }

    // The same file as a checkpoint reference of a study that trains its own ensemble: the concept
    // cell reads no cell, only the file (relative to the experiment file), and scores as above.
    Path byFileConf =
        Files.writeString(
            dir.resolve("by-file.conf"),
            "include file(\""
                + trainedConf.toAbsolutePath()
                + "\")\nexperiment.name = act-by-file\n"
                + "concepts.act.reference = { checkpoint = \"models/train-base-m0.safetensors\" }\n");
    CliHarness byFile = CliHarness.run("run", byFileConf.toString(), "--store", store);
    assertThat(byFile.exitCode()).as(byFile.err()).isZero();
    StoredCell fromFile = only(runs.cells("act-by-file", Stages.CONCEPT));
    assertThat(fromFile.record().inputs()).isEmpty();
    for (String file :
        List.of("concept/train-scores.npy", "concept/val-scores.npy", "concept/threshold.npy")) {
      assertThat(Npy.readFloat64(fromFile.artifact(file)))
          .as(file)
          .containsExactly(Npy.readFloat64(fromTrained.artifact(file)), within(1e-5));
    }
  }

  private static StoredCell only(List<StoredCell> cells) {
    assertThat(cells).hasSize(1);
    return cells.get(0);
  }
}
