package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks read a study's settings through {@link StageSpecs}: it must give exactly what the
 * stages' cells receive; and a study that leaves {@code attribution} at {@code defaults.conf} gets
 * {@code TrakSpec.defaults} (up to the cell's projection seed).
 */
class StageSpecsTest {
  private static Experiment load(Path dir, String body) throws Exception {
    Path file = dir.resolve("study.conf");
    Files.writeString(file, body);
    return new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
        .load(file);
  }

  private static final String MINIMAL =
      """
      experiment.name = minimal
      data { source = synthetic, train.per-class = 4, val.per-class = 2 }
      concepts.wavy { kind = classes, classes = [snake, worm] }
      probes.layers = [layer3]
      """;

  @Test
  void theBenchmarksGetWhatTheCellsGet(@TempDir Path dir) throws Exception {
    Experiment e =
        load(
            dir,
            MINIMAL
                + """
                training { batch-size = 16, optimizer { name = adam, lr = 0.01 } }
                attribution { projection = rademacher, projection-dim = 48, projections = 2 }
                """);
    assertThat(StageSpecs.training(e, 5L)).isEqualTo(TrainStage.spec(e.training(), 5L));
    assertThat(StageSpecs.attribution(e, 5L)).isEqualTo(AttributeStage.spec(e.attribution(), 5L));
    assertThat(StageSpecs.attribution(e, 5L).projectionDim()).isEqualTo(48);
    assertThat(StageSpecs.training(e, 5L).batchSize()).isEqualTo(16);
  }

  @Test
  void aStudysDefaultAttributionIsTrakSpecDefaults(@TempDir Path dir) throws Exception {
    Experiment e = load(dir, MINIMAL);
    TrakSpec study = StageSpecs.attribution(e, 0L);
    assertThat(TrakSpec.defaults(e.attribution().projectionDim())).isEqualTo(study);
  }
}
