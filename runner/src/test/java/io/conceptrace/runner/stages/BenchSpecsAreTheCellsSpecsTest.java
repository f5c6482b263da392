package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.trak.ProjectionKind;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.AttributeCellSpec;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.cell.TrainCellSpec;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks build their core specs with {@link CellSpecs}, the mapping the matrix expander
 * uses for the cells, so a benchmark times what a study's cells compute.
 */
class BenchSpecsAreTheCellsSpecsTest {
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
      data { source = synthetic, train.per-class = 60, val.per-class = 2 }
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
    RunMatrix m = new MatrixExpander(Optional.empty()).expand(e);
    Cell base = m.byStage().get(Stages.TRAIN_BASE).get(0);
    Cell attribute = m.byStage().get(Stages.ATTRIBUTE).get(0);
    assertThat(new CellSpecs(e).train(base.seed()).training())
        .isEqualTo(((TrainCellSpec) base.spec()).training());
    TrakSpec trak = CellSpecs.trak(e.attribution(), attribute.seed());
    assertThat(trak).isEqualTo(((AttributeCellSpec) attribute.spec()).trak());
    assertThat(trak.projectionDim()).isEqualTo(48);
    assertThat(trak.projection()).isEqualTo(ProjectionKind.RADEMACHER);
    assertThat(trak.projections()).isEqualTo(2);
    assertThat(((TrainCellSpec) base.spec()).training().batchSize()).isEqualTo(16);
  }

  @Test
  void aStudysDefaultAttributionIsTrakSpecDefaults(@TempDir Path dir) throws Exception {
    Experiment e = load(dir, MINIMAL);
    TrakSpec study = CellSpecs.trak(e.attribution(), 0L);
    assertThat(TrakSpec.defaults(e.attribution().projectionDim())).isEqualTo(study);
  }
}
