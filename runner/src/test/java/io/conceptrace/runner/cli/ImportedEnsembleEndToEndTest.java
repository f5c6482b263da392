package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.io.Npy;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's "a study whose ensemble comes from imported safetensors checkpoints runs attribution
 * and probes without base training": a small study trains two base models, {@code ctrace export}
 * writes them as safetensors, and a second study that imports them ({@code model.checkpoints})
 * plans and runs no base training, yet computes the same science: its import cells report the
 * trained models' validation accuracy, its probes are the same probes (same seeds, same
 * activations, so the same weights, above chance) and its attribution ranks the training images
 * exactly as the first study's. Its prune arm still retrains with our trainer.
 */
@Tag("slow")
class ImportedEnsembleEndToEndTest {
  private static final Path SOURCE = Path.of("src/test/resources/experiments/imported/source.conf");

  @Test
  void anImportedEnsembleRunsProbesAndAttributionWithoutBaseTraining(@TempDir Path dir)
      throws Exception {
    String store = dir.resolve("runs").toString();
    CliHarness trained = CliHarness.run("run", SOURCE.toString(), "--store", store);
    assertThat(trained.exitCode()).as(trained.err()).isZero();

    Path models = dir.resolve("models");
    CliHarness export =
        CliHarness.run("export", SOURCE.toString(), "--store", store, "--out", models.toString());
    assertThat(export.exitCode()).as(export.err()).isZero();
    assertThat(models.resolve("train-base-m0.safetensors")).isRegularFile();
    assertThat(models.resolve("train-base-m1.safetensors")).isRegularFile();

    // The same study under another name, its base models from the exported files (relative to
    // this file), and one prune arm.
    Path imported = dir.resolve("imported.conf");
    Files.writeString(
        imported,
        "include file(\""
            + SOURCE.toAbsolutePath()
            + "\")\n"
            + "experiment.name = imported\n"
            + "model.checkpoints = \"models/*.safetensors\"\n"
            + "prune { sizes = [20], arms = [top], layer = layer3, retrain-ensemble = 1 }\n");

    CliHarness plan = CliHarness.run("plan", imported.toString(), "--store", store);
    assertThat(plan.exitCode()).as(plan.err()).isZero();
    assertThat(plan.out())
        .contains("import-base m0", "import-base m1", "retrain")
        // No train-base stage row or cell (the imported files' names may say train-base).
        .doesNotContainPattern("(?m)^train-base")
        .doesNotContain("  train-base m");

    CliHarness run = CliHarness.run("run", imported.toString(), "--store", store);
    assertThat(run.exitCode()).as(run.err()).isZero();

    RunStore runs = new RunStore(Path.of(store));
    Map<String, List<StoredCell>> src = byStage(runs, "source");
    Map<String, List<StoredCell>> imp = byStage(runs, "imported");
    assertThat(imp)
        .containsOnlyKeys(
            "import-base", "probe", "attribute", "prune-set", "retrain", "reprobe", "report");
    assertThat(imp.get("import-base")).hasSize(2);

    // Each imported model is the trained one: the same validation accuracy, well above chance.
    for (StoredCell c : imp.get("import-base")) {
      String member = c.record().coordinates().get("member");
      StoredCell original = at(src.get("train-base"), member);
      assertThat(last(c, "val.top1")).isEqualTo(last(original, "val.top1"));
      assertThat(last(c, "val.top1")).as("10 classes: chance is 0.1").isGreaterThan(0.15);
      assertThat(c.record().provenance())
          .containsEntry("checkpoint.normalization", "checkpoint metadata");
    }
    // The same probes, above chance on the balanced concept test set.
    for (StoredCell c : imp.get("probe")) {
      StoredCell original = at(src.get("probe"), c.record().coordinates().get("member"));
      assertThat(Npy.readFloat32(c.artifact("probe/cav.npy")))
          .containsExactly(Npy.readFloat32(original.artifact("probe/cav.npy")));
      assertThat(last(c, "val.accuracy")).isGreaterThan(0.6);
    }
    // The same attribution.
    StoredCell attribution = imp.get("attribute").get(0);
    assertThat(Files.readAllLines(attribution.artifact("ranking.csv")))
        .hasSize(1 + 1000)
        .isEqualTo(Files.readAllLines(src.get("attribute").get(0).artifact("ranking.csv")));
    assertThat(last(attribution, "enrichment.top-100"))
        .isEqualTo(last(src.get("attribute").get(0), "enrichment.top-100"));
    // Retraining still trains, without the pruned images.
    assertThat(last(imp.get("retrain").get(0), "train.size")).isEqualTo(980);
    assertThat(last(imp.get("retrain").get(0), "train.loss")).isFinite().isPositive();
    // The report's base-model row is the imported ensemble.
    assertThat(Files.readString(imp.get("report").get(0).artifact("summary.json")))
        .contains("\"train-base\"");
  }

  private static Map<String, List<StoredCell>> byStage(RunStore runs, String experiment) {
    return runs.cells(experiment).stream().collect(Collectors.groupingBy(c -> c.record().stage()));
  }

  private static StoredCell at(List<StoredCell> cells, String member) {
    return cells.stream()
        .filter(c -> member.equals(c.record().coordinates().get("member")))
        .findFirst()
        .orElseThrow();
  }

  private static double last(StoredCell c, String metric) {
    List<Metric> ms = c.metrics().stream().filter(m -> m.name().equals(metric)).toList();
    assertThat(ms).as(metric + " of " + c.record().cellId()).isNotEmpty();
    return ms.get(ms.size() - 1).value();
  }
}
