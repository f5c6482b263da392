package io.conceptrace.dsl.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.ImportCellSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model.checkpoints}: which files a study imports, what becomes of its base-model cells, and
 * what enters their ids. (The files' contents are checked by the import cell and by {@code
 * validate} in the runner; here they are only found and hashed.)
 */
class ImportedBaseModelsTest {
  private static final String STUDY =
      """
      experiment { name = imported, seed = 7 }
      data { source = synthetic, image-size = 32, train { per-class = 20 } }
      model { arch = small-cnn, width = 0.5 }
      training { ensemble = 2, epochs = 1 }
      concepts { wavy { kind = classes, classes = [snake, worm] } }
      probes { layers = [layer1, layer2], sparsity = [dense] }
      attribution { projection-dim = 64 }
      prune { sizes = [10], arms = [top], layer = layer2, retrain-ensemble = 1 }
      """;

  @TempDir Path dir;
  private Path file;

  @BeforeEach
  void writeStudyAndCheckpoints() throws IOException {
    Files.createDirectories(dir.resolve("ckpt"));
    long seed = 1;
    for (String name : List.of("b.safetensors", "a.safetensors", "c.safetensors")) {
      SmallCnnSafetensors.write(dir.resolve("ckpt").resolve(name), 0.5, seed++);
    }
    file = dir.resolve("study.conf");
  }

  private Experiment load(String checkpoints, String... sets) throws IOException {
    Files.writeString(file, STUDY + checkpoints + "\n", StandardCharsets.UTF_8);
    return new ExperimentLoader(
            new ExperimentLoader.Options(List.of(sets), false, false, false), Optional.empty())
        .load(file);
  }

  private static RunMatrix expand(Experiment e) {
    return new MatrixExpander(Optional.empty()).expand(e);
  }

  private List<String> problems(String checkpoints, String... sets) {
    try {
      load(checkpoints, sets);
    } catch (ExperimentException e) {
      return e.problems().stream().map(Object::toString).toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("loaded without a problem: " + checkpoints);
  }

  @Test
  void aGlobIsSortedByPathAndTheEnsembleTakesTheFirstFiles() throws IOException {
    Experiment e = load("model.checkpoints = \"ckpt/*.safetensors\"");
    assertThat(e.model().checkpoints())
        .extracting(c -> c.file().getFileName().toString())
        .containsExactly("a.safetensors", "b.safetensors");
    assertThat(e.model().checkpoints().get(0).file()).isEqualTo(dir.resolve("ckpt/a.safetensors"));
    assertThat(e.model().checkpoints().get(0).sha256())
        .hasSize(64)
        .isEqualTo(sha256(dir.resolve("ckpt/a.safetensors")));
  }

  @Test
  void importCellsReplaceBaseTrainingAndEverythingElseIsPlannedAsBefore() throws IOException {
    RunMatrix trained = expand(load(""));
    RunMatrix imported =
        expand(load("model.checkpoints = [ckpt/c.safetensors, ckpt/a.safetensors]"));
    Map<String, List<Cell>> by = imported.byStage();
    assertThat(by).doesNotContainKey(Stages.TRAIN_BASE);
    assertThat(by.get(Stages.IMPORT_BASE)).hasSize(2);
    ImportCellSpec m0 = (ImportCellSpec) by.get(Stages.IMPORT_BASE).get(0).spec();
    // The plan names each imported model's file.
    assertThat(PlanRenderer.coordinates(by.get(Stages.IMPORT_BASE).get(0)))
        .isEqualTo("import-base m0 (" + dir.resolve("ckpt/c.safetensors") + ")");
    assertThat(m0.file()).isEqualTo(dir.resolve("ckpt/c.safetensors"));
    assertThat(m0.architecture()).isEqualTo(load("").architecture());
    // The same stages downstream, with the same cells per stage; retraining still trains.
    Set<String> stagesBefore = trained.byStage().keySet();
    assertThat(by.keySet())
        .containsExactlyInAnyOrderElementsOf(
            stagesBefore.stream()
                .map(s -> s.equals(Stages.TRAIN_BASE) ? Stages.IMPORT_BASE : s)
                .toList());
    for (String stage : List.of(Stages.PROBE, Stages.ATTRIBUTE, Stages.RETRAIN)) {
      assertThat(by.get(stage)).hasSameSizeAs(trained.byStage().get(stage));
    }
    assertThat(by.get(Stages.RETRAIN).get(0).settings())
        .isEqualTo(trained.byStage().get(Stages.RETRAIN).get(0).settings());
    // Probes and attributions read the imported models.
    Set<String> imports =
        by.get(Stages.IMPORT_BASE).stream().map(Cell::id).collect(Collectors.toSet());
    for (Cell probe : by.get(Stages.PROBE)) {
      assertThat(imports).contains(probe.inputs().get(0));
    }
    for (Cell attribute : by.get(Stages.ATTRIBUTE)) {
      assertThat(attribute.inputs().subList(0, 2))
          .containsExactlyElementsOf(by.get(Stages.IMPORT_BASE).stream().map(Cell::id).toList());
    }
  }

  @Test
  void theContentHashNotThePathIsTheCellId() throws IOException {
    Cell before =
        expand(load("model.checkpoints = [ckpt/a.safetensors, ckpt/b.safetensors]"))
            .byStage()
            .get(Stages.IMPORT_BASE)
            .get(0);
    assertThat(before.settings())
        .containsEntry("checkpoint-sha256", sha256(dir.resolve("ckpt/a.safetensors")));
    assertThat(before.settings().toString()).doesNotContain("a.safetensors");

    // Moved: the same cell.
    Files.createDirectories(dir.resolve("moved"));
    Files.move(dir.resolve("ckpt/a.safetensors"), dir.resolve("moved/a.safetensors"));
    Cell moved =
        expand(load("model.checkpoints = [moved/a.safetensors, ckpt/b.safetensors]"))
            .byStage()
            .get(Stages.IMPORT_BASE)
            .get(0);
    assertThat(moved.id()).isEqualTo(before.id());

    // Edited in place: another cell, and so are its probes.
    SmallCnnSafetensors.write(dir.resolve("moved/a.safetensors"), 0.5, 99);
    RunMatrix edited =
        expand(load("model.checkpoints = [moved/a.safetensors, ckpt/b.safetensors]"));
    assertThat(edited.byStage().get(Stages.IMPORT_BASE).get(0).id()).isNotEqualTo(before.id());
    assertThat(edited.byStage().get(Stages.IMPORT_BASE).get(1).id())
        .isEqualTo(
            expand(load("model.checkpoints = [ckpt/c.safetensors, ckpt/b.safetensors]"))
                .byStage()
                .get(Stages.IMPORT_BASE)
                .get(1)
                .id());
  }

  @Test
  void relativeNamesAreRelativeToTheFileThatWritesThem() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Files.writeString(
        sub.resolve("models.conf"), "model.checkpoints = \"../ckpt/*.safetensors\"\n");
    Experiment e = load("include \"sub/models.conf\"");
    assertThat(e.model().checkpoints().get(0).file()).isEqualTo(dir.resolve("ckpt/a.safetensors"));
    // A --set value has no file: the experiment file's directory.
    Experiment set = load("", "model.checkpoints = [ckpt/b.safetensors, ckpt/c.safetensors]");
    assertThat(set.model().checkpoints().get(1).file())
        .isEqualTo(dir.resolve("ckpt/c.safetensors"));
  }

  @Test
  void theResolvedTextOfASlurmSnapshotNamesTheSameFilesFromAnyDirectory() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    Files.writeString(
        sub.resolve("models.conf"), "model.checkpoints = \"../ckpt/*.safetensors\"\n");
    RunMatrix original = expand(load("include \"sub/models.conf\""));
    String text =
        new ExperimentLoader(
                new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
            .resolvedText(file);
    Path elsewhere = Files.createDirectories(dir.resolve("jobs/deep"));
    Files.writeString(elsewhere.resolve("snapshot.conf"), text);
    Experiment snapshot =
        new ExperimentLoader(
                new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
            .load(elsewhere.resolve("snapshot.conf"));
    assertThat(expand(snapshot).cells())
        .extracting(Cell::id)
        .containsExactlyElementsOf(original.cells().stream().map(Cell::id).toList());
    assertThat(snapshot.model().checkpoints().get(0).file())
        .isEqualTo(dir.resolve("ckpt/a.safetensors"));
  }

  @Test
  void problemsNameTheLineAndTheKey() throws IOException {
    String at = file + ":9: model.checkpoints: ";
    assertThat(problems("model.checkpoints = \"none/*.safetensors\""))
        .containsExactly(at + "'none/*.safetensors' matches no file (in " + dir + ")");
    assertThat(problems("model.checkpoints = [ckpt/a.safetensors, ckpt/missing.safetensors]"))
        .containsExactly(at + "no such file: " + dir.resolve("ckpt/missing.safetensors"));
    assertThat(problems("model.checkpoints = [ckpt/a.safetensors]"))
        .containsExactly(
            at
                + "1 checkpoint(s) for training.ensemble = 2: give at least 2 or lower"
                + " training.ensemble");
    assertThat(problems("model.checkpoints = \"ckpt/*.safetensors\"", "training.ensemble = 4"))
        .containsExactly(
            at
                + "3 checkpoint(s) for training.ensemble = 4: give at least 4 or lower"
                + " training.ensemble");
    assertThat(problems("model.checkpoints = [ckpt/a.safetensors, ckpt/a.safetensors]"))
        .containsExactly(at + dir.resolve("ckpt/a.safetensors") + " is listed twice");
    assertThat(problems("model.checkpoints = 3"))
        .containsExactly(at + "must be a list of safetensors files or a glob string, got number 3");
    Files.copy(dir.resolve("ckpt/a.safetensors"), dir.resolve("ckpt/a-copy.safetensors"));
    assertThat(problems("model.checkpoints = [ckpt/a.safetensors, ckpt/a-copy.safetensors]"))
        .containsExactly(
            at
                + dir.resolve("ckpt/a-copy.safetensors")
                + " has the same content as "
                + dir.resolve("ckpt/a.safetensors")
                + " (one model twice in the ensemble)");
  }

  @Test
  void aFileThatDoesNotFitTheArchitectureIsAProblemAtTheKey() throws IOException {
    SmallCnnSafetensors.write(dir.resolve("ckpt/narrow.safetensors"), 0.25, 5);
    List<String> problems =
        problems("model.checkpoints = [ckpt/a.safetensors, ckpt/narrow.safetensors]");
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0))
        .startsWith(
            file
                + ":9: model.checkpoints: "
                + dir.resolve("ckpt/narrow.safetensors")
                + " does not fit small-cnn (width 0.5,")
        .contains("mis-shaped key")
        .contains("conv1.weight (4, 3, 3, 3) instead of (8, 3, 3, 3)");
  }

  @Test
  void notSetMeansTrained() throws IOException {
    Experiment e = load("");
    assertThat(e.model().imported()).isFalse();
    assertThat(expand(e).byStage()).doesNotContainKey(Stages.IMPORT_BASE);
    assertThatThrownBy(() -> load("model.checkpoints = [ckpt/a.safetensors, 7]"))
        .isInstanceOf(ExperimentException.class)
        .hasMessageContaining("must be a path (a string), got 7");
  }

  private static String sha256(Path file) throws IOException {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
