package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny study with an activation concept of its own base model 0 ({@code layer2}, channels 1 and
 * 3): the concept cell reads that model, the concept's probes and attribution read the concept
 * cell, the attribution counts the concept's positives in its enrichment, and the report shows the
 * concept's threshold, counts and top-activating images.
 */
@Tag("slow")
class ActivationConceptEndToEndTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");

  @TempDir Path root;

  @Test
  void aBaseModelReferenceRunsThroughProbesAttributionAndTheReport() throws Exception {
    Experiment experiment =
        new ExperimentLoader(
                new ExperimentLoader.Options(
                    List.of(
                        "concepts.act { kind = activation, reference = \"train-base[0]\", layer ="
                            + " layer2, channels = [1, 3], fraction = 0.2 }",
                        "probes.layers = [layer3]",
                        "probes.sparsity = [dense]",
                        "prune.sizes = []"),
                    false,
                    true,
                    false),
                Optional.empty())
            .load(TINY);
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(experiment);
    RunStore store = new RunStore(root.resolve("runs"));
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    Pipeline.Result result =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    matrix.experiment(),
                    MatrixCell.of(matrix),
                    store,
                    StageRunners.forExperiment(experiment, engine, Optional.empty()),
                    List.of(),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(2),
                new ExecutionListener() {});
    assertThat(result.report().failures()).isEmpty();

    StoredCell concept = only(store.cells("tiny", Stages.CONCEPT));
    StoredCell base0 =
        store.cells("tiny", Stages.TRAIN_BASE).stream()
            .filter(c -> c.record().coordinates().get("member").equals("0"))
            .findFirst()
            .orElseThrow();
    assertThat(concept.record().inputs()).containsExactly(base0.record().cellId());
    // floor(0.2 x 120) = 24 training positives, more only on ties.
    assertThat(metric(concept, "train.positives")).isGreaterThanOrEqualTo(24.0);
    for (StoredCell probe : store.cells("tiny", Stages.PROBE)) {
      boolean act = probe.record().coordinates().get("concept").equals("act");
      assertThat(probe.record().inputs().contains(concept.record().cellId())).isEqualTo(act);
    }
    StoredCell attribute =
        store.cells("tiny", Stages.ATTRIBUTE).stream()
            .filter(c -> c.record().coordinates().get("concept").equals("act"))
            .findFirst()
            .orElseThrow();
    assertThat(attribute.record().inputs()).contains(concept.record().cellId());
    assertThat(attribute.metrics()).anyMatch(m -> m.name().equals(StageFiles.ENRICHMENT_TOP100));

    StoredCell report = only(store.cells("tiny", Stages.REPORT));
    assertThat(report.record().inputs()).contains(concept.record().cellId());
    String page = Files.readString(report.artifact("report/index.html"));
    assertThat(page)
        .contains("Activation concept: act")
        .contains(
            String.format(
                "of 120 training and %d of 80 validation images are positives",
                (long) metric(concept, "val.positives")));
    assertThat(report.artifact("report/concept-act.png")).isRegularFile();
  }

  private static StoredCell only(List<StoredCell> cells) {
    assertThat(cells).hasSize(1);
    return cells.get(0);
  }

  private static double metric(StoredCell cell, String name) {
    return cell.metrics().stream()
        .filter(m -> m.name().equals(name))
        .map(m -> m.value())
        .findFirst()
        .orElseThrow();
  }
}
