package io.conceptrace.dsl.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.ExperimentLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An activation concept is a cell of the run matrix: its {@code concept} cell reads the reference
 * base model, and every cell that builds the concept's sets reads the concept cell.
 */
class ActivationConceptMatrixTest {
  private static final String HL =
      "concepts.hl { kind = activation, reference = \"train-base[1]\", layer = layer1, channels ="
          + " [1, 4], fraction = 0.1 }";
  private static final String REL = "concepts.rel { kind = relative, a = hl, b = wavy }";

  private static Experiment load(boolean checkData, List<String> overrides) {
    return new ExperimentLoader(
            new ExperimentLoader.Options(overrides, false, checkData, false), Optional.empty())
        .load(CellHashStabilityTest.SMALL);
  }

  private static RunMatrix expand(String... overrides) {
    return new MatrixExpander(Optional.empty()).expand(load(false, List.of(overrides)));
  }

  private static Cell only(RunMatrix m, String label) {
    List<Cell> found = m.cells().stream().filter(c -> c.label().equals(label)).toList();
    assertThat(found).as(label).hasSize(1);
    return found.get(0);
  }

  @Test
  void theConceptCellReadsItsBaseModelAndEveryCellOfTheConceptReadsIt() {
    RunMatrix m = expand(HL, REL, "prune.concepts = [hl]");
    assertThat(m.byStage().get(Stages.CONCEPT)).hasSize(1);
    Cell concept = only(m, "concept hl");
    Cell base1 = only(m, "train-base m1");
    assertThat(concept.inputs()).containsExactly(base1.id());

    Cell probe = only(m, "probe hl layer2 dense m0");
    assertThat(probe.inputs()).containsExactly(only(m, "train-base m0").id(), concept.id());
    assertThat(only(m, "probe wavy layer2 dense m0").inputs()).doesNotContain(concept.id());
    assertThat(only(m, "probe rel layer2 dense m0").inputs()).contains(concept.id());
    assertThat(only(m, "attribute hl layer2 dense").inputs()).contains(concept.id());
    assertThat(only(m, "attribute rel layer1 sparse8").inputs()).contains(concept.id());
    assertThat(only(m, "attribute wavy layer2 dense").inputs()).doesNotContain(concept.id());
    assertThat(only(m, "reprobe hl layer2 dense k10 top m0").inputs()).contains(concept.id());
    assertThat(only(m, "report").inputs()).contains(concept.id());
    // Every cell is after its inputs (the executor's order).
    List<String> seen = new ArrayList<>();
    for (Cell c : m.cells()) {
      assertThat(seen).containsAll(c.inputs());
      seen.add(c.id());
    }
    assertThat(m.dependents(concept.id()))
        .extracting(c -> c.coordinates().getOrDefault("concept", "report"))
        .containsOnly("hl", "rel", "report");
  }

  @Test
  void changingTheChannelsReplacesTheConceptAndItsReadersButNoBaseModel() {
    Map<String, String> before = CellHashStabilityTest.idsByLabel(expand(HL));
    Map<String, String> after =
        CellHashStabilityTest.idsByLabel(expand(HL, "concepts.hl.channels = [1, 5]"));
    assertThat(after.keySet()).isEqualTo(before.keySet());
    assertThat(after.get("train-base m0")).isEqualTo(before.get("train-base m0"));
    assertThat(after.get("train-base m1")).isEqualTo(before.get("train-base m1"));
    assertThat(after.get("probe wavy layer1 dense m1"))
        .isEqualTo(before.get("probe wavy layer1 dense m1"));
    assertThat(after.get("concept hl")).isNotEqualTo(before.get("concept hl"));
    assertThat(after.get("probe hl layer1 dense m0"))
        .isNotEqualTo(before.get("probe hl layer1 dense m0"));
  }

  @Test
  void aTorchScriptReferenceEntersTheIdsByContentNotByPath(@TempDir Path tmp) throws Exception {
    Path a = Files.writeString(tmp.resolve("a.pt"), "one module");
    Path b = Files.writeString(tmp.resolve("b.pt"), "another module");
    Path c = Files.writeString(tmp.resolve("c.pt"), "one module");
    RunMatrix withA = expand(torchScript(a));
    Cell concept = only(withA, "concept ts");
    assertThat(concept.inputs()).isEmpty();
    assertThat(withA.notes()).isEmpty();
    assertThat(only(expand(torchScript(b)), "concept ts").id()).isNotEqualTo(concept.id());
    assertThat(only(expand(torchScript(c)), "concept ts").id()).isEqualTo(concept.id());
    // The module's channels are known only once it runs: 300 is not refused before.
    assertThat(only(expand(torchScript(a), "concepts.ts.channels = [300]"), "concept ts").id())
        .isNotEqualTo(concept.id());
  }

  @Test
  void aMissingTorchScriptFilePlansWithANoteAndStopsARun(@TempDir Path tmp) {
    Path missing = tmp.resolve("absent.pt");
    RunMatrix m = expand(torchScript(missing));
    assertThat(only(m, "concept ts").inputs()).isEmpty();
    assertThat(m.notes())
        .containsExactly(
            "concepts.ts.reference.torchscript: "
                + missing
                + " is not there, so its content hash is not in the concept cells' ids yet;"
                + " ctrace run needs the file");
    assertThat(onlyProblem(() -> load(true, List.of(torchScript(missing)))))
        .endsWith("concepts.ts.reference.torchscript: no such TorchScript file: " + missing);
  }

  @Test
  void aCheckpointReferenceIsCheckedAtValidateAndEntersTheIdsByContent(@TempDir Path tmp)
      throws Exception {
    Path a = tmp.resolve("a.safetensors");
    Path b = tmp.resolve("b.safetensors");
    Path copyOfA = tmp.resolve("copy-of-a.safetensors");
    SmallCnnSafetensors.write(a, 0.5, 1);
    SmallCnnSafetensors.write(b, 0.5, 2);
    Files.copy(a, copyOfA);
    RunMatrix withA = expand(checkpoint(a));
    Cell concept = only(withA, "concept ck");
    assertThat(concept.inputs()).isEmpty();
    assertThat(withA.notes()).isEmpty();
    assertThat(only(expand(checkpoint(b)), "concept ck").id()).isNotEqualTo(concept.id());
    assertThat(only(expand(checkpoint(copyOfA)), "concept ck").id()).isEqualTo(concept.id());
    // The probes of the concept read its concept cell.
    assertThat(only(withA, "probe ck layer1 dense m0").inputs()).contains(concept.id());

    // A file of another width does not fit the study's architecture: one line at validate.
    Path narrow = tmp.resolve("narrow.safetensors");
    SmallCnnSafetensors.write(narrow, 0.25, 1);
    assertThat(onlyProblem(() -> load(false, List.of(checkpoint(narrow)))))
        .contains("concepts.ck.reference.checkpoint: " + narrow + " does not fit")
        .contains("mis-shaped keys");
    // The study's layer catalogue bounds the channels.
    assertThat(
            onlyProblem(
                () -> load(false, List.of(checkpoint(a), "concepts.ck.channels = [2, 999]"))))
        .contains("channel 999 is out of range for layer1");
    // Missing: plan notes it, run refuses.
    Path missing = tmp.resolve("absent.safetensors");
    assertThat(expand(checkpoint(missing)).notes())
        .singleElement()
        .asString()
        .startsWith("concepts.ck.reference.checkpoint: " + missing + " is not there");
    assertThat(onlyProblem(() -> load(true, List.of(checkpoint(missing)))))
        .endsWith("concepts.ck.reference.checkpoint: no such checkpoint file: " + missing);
  }

  @Test
  void theSlurmSnapshotOfACheckpointReferenceNamesTheSameFileFromAnyDirectory(@TempDir Path tmp)
      throws Exception {
    Files.createDirectories(tmp.resolve("models"));
    SmallCnnSafetensors.write(tmp.resolve("models/ref.safetensors"), 0.5, 1);
    Path study =
        Files.writeString(
            tmp.resolve("study.conf"),
            "include file(\""
                + CellHashStabilityTest.SMALL.toAbsolutePath()
                + "\")\nconcepts.ck { kind = activation, reference { checkpoint ="
                + " models/ref.safetensors }, layer = layer1, channels = [1], fraction = 0.1 }\n");
    ExperimentLoader loader =
        new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty());
    String original =
        only(new MatrixExpander(Optional.empty()).expand(loader.load(study)), "concept ck").id();
    Path elsewhere = Files.createDirectories(tmp.resolve("jobs/deep"));
    Path snapshot =
        Files.writeString(elsewhere.resolve("snapshot.conf"), loader.resolvedText(study));
    Experiment fromSnapshot = loader.load(snapshot);
    assertThat(fromSnapshot.concepts().get("ck").activation().orElseThrow().reference())
        .isInstanceOfSatisfying(
            Experiment.Reference.Checkpoint.class,
            k -> assertThat(k.file()).isEqualTo(tmp.resolve("models/ref.safetensors")));
    assertThat(only(new MatrixExpander(Optional.empty()).expand(fromSnapshot), "concept ck").id())
        .isEqualTo(original);
    // Set outside any file, the name is relative to the experiment file's directory.
    Experiment set =
        new ExperimentLoader(
                new ExperimentLoader.Options(
                    List.of("concepts.ck.reference.checkpoint = models/ref.safetensors"),
                    false,
                    false,
                    false),
                Optional.empty())
            .load(study);
    assertThat(set.concepts().get("ck").activation().orElseThrow().reference())
        .isInstanceOfSatisfying(
            Experiment.Reference.Checkpoint.class,
            k -> assertThat(k.file()).isEqualTo(tmp.resolve("models/ref.safetensors")));
  }

  @Test
  void aTorchScriptReferenceIsRelativeToTheFileThatWritesItFromAnyDirectory(@TempDir Path tmp)
      throws Exception {
    // The included file writes a relative name: it names parts/models/m.pt beside that file, not
    // the decoy beside the study, nor anything in the working directory.
    Path module = Files.createDirectories(tmp.resolve("parts/models")).resolve("m.pt");
    Files.writeString(module, "the module");
    Files.createDirectories(tmp.resolve("models"));
    Files.writeString(tmp.resolve("models/m.pt"), "a decoy beside the study");
    Files.writeString(
        tmp.resolve("parts/concept.conf"),
        "concepts.ts { kind = activation, reference { torchscript = models/m.pt, layer-output ="
            + " mixed3a }, channels = [2], fraction = 0.1 }\n");
    Path study =
        Files.writeString(
            tmp.resolve("study.conf"),
            "include file(\""
                + CellHashStabilityTest.SMALL.toAbsolutePath()
                + "\")\ninclude \"parts/concept.conf\"\n");
    ExperimentLoader loader =
        new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), false, true, false), Optional.empty());
    Experiment absolute = loader.load(study);
    assertThat(torchScriptOf(absolute).file()).isEqualTo(module);
    assertThat(torchScriptOf(absolute).sha256())
        .contains(io.conceptrace.core.nn.NetworkFiles.contentHash(module));
    RunMatrix fromAbsolute = new MatrixExpander(Optional.empty()).expand(absolute);
    assertThat(fromAbsolute.notes()).isEmpty();
    String id = only(fromAbsolute, "concept ts").id();

    // The study named as a shell in another working directory names it: the same module, so the
    // same concept cell (ids hold the module's content hash, not its path).
    Path relative = Path.of("").toAbsolutePath().relativize(study);
    assertThat(relative.isAbsolute()).isFalse();
    Experiment fromHere = loader.load(relative);
    assertThat(torchScriptOf(fromHere).file().toAbsolutePath().normalize()).isEqualTo(module);
    assertThat(only(new MatrixExpander(Optional.empty()).expand(fromHere), "concept ts").id())
        .isEqualTo(id);

    // A value no file wrote (--set, the environment) is relative to the experiment file's
    // directory, as model.checkpoints' are.
    Experiment set =
        new ExperimentLoader(
                new ExperimentLoader.Options(
                    List.of("concepts.ts.reference.torchscript = parts/models/m.pt"),
                    false,
                    true,
                    false),
                Optional.empty())
            .load(study);
    assertThat(torchScriptOf(set).file()).isEqualTo(module);

    // The Slurm snapshot names it absolute: a job reading it from another directory gets the
    // same file and the same concept cell id.
    String text = loader.resolvedText(relative);
    assertThat(text).contains(module.toString());
    Path elsewhere = Files.createDirectories(tmp.resolve("jobs/deep"));
    Path snapshot = Files.writeString(elsewhere.resolve("snapshot.conf"), text);
    Experiment fromSnapshot = loader.load(snapshot);
    assertThat(torchScriptOf(fromSnapshot).file()).isEqualTo(module);
    assertThat(only(new MatrixExpander(Optional.empty()).expand(fromSnapshot), "concept ts").id())
        .isEqualTo(id);

    // Missing, the one line names the file looked for.
    Files.delete(module);
    assertThat(onlyProblem(() -> loader.load(study)))
        .isEqualTo(
            tmp.resolve("parts/concept.conf")
                + ":1: concepts.ts.reference.torchscript: no such TorchScript file: "
                + module);
  }

  private static Experiment.Reference.TorchScript torchScriptOf(Experiment e) {
    return (Experiment.Reference.TorchScript)
        e.concepts().get("ts").activation().orElseThrow().reference();
  }

  /** The one problem that loading reports, as the user sees it (FILE:LINE: key: message). */
  private static String onlyProblem(Runnable load) {
    try {
      load.run();
    } catch (ExperimentException e) {
      assertThat(e.problems()).hasSize(1);
      return e.problems().get(0).toString();
    }
    throw new AssertionError("the experiment loaded without a problem");
  }

  private static String checkpoint(Path file) {
    return "concepts.ck { kind = activation, reference { checkpoint = \""
        + file
        + "\" }, layer = layer1, channels = [1, 3], fraction = 0.1 }";
  }

  private static String torchScript(Path file) {
    return "concepts.ts { kind = activation, reference { torchscript = \""
        + file
        + "\", layer-output = mixed3a }, channels = [2], fraction = 0.1 }";
  }
}
