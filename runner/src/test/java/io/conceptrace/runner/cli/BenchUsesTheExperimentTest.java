package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.train.OptimizerSpec;
import io.conceptrace.core.train.TrainBenchmark;
import io.conceptrace.core.trak.AttributionMethod;
import io.conceptrace.core.trak.ProjectionKind;
import io.conceptrace.core.trak.TrakBenchmark;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.CellSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctrace bench train} and {@code bench trak} time the experiment file's network with the
 * settings its cells get (through {@link CellSpecs}), not settings of their own.
 */
class BenchUsesTheExperimentTest {
  /** A study whose every timed setting differs from the defaults. */
  static final String STUDY =
      """
      experiment { name = bench-study, seed = 4 }
      data { source = synthetic, image-size = 24, channels = 1, train.per-class = 4, val.per-class = 2 }
      model { arch = small-cnn, width = 0.25, stem = small }
      training {
        batch-size = 8
        optimizer { name = adam, lr = 0.002 }
        weight-decay = 1.0e-4
        label-smoothing = 0.05
      }
      concepts.wavy { kind = classes, classes = [snake, worm] }
      probes { layers = [layer2], activations = pooled }
      attribution {
        method = [random, grad-cos]
        projection = rademacher
        projection-dim = 24
        projections = 2
        batch-size = 4
        parameter-groups = [layer2, probe]
      }
      """;

  static Path write(Path dir) throws Exception {
    Path file = dir.resolve("bench-study.conf");
    Files.writeString(file, STUDY);
    return file;
  }

  private static Experiment load(Path file) {
    return new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
        .load(file);
  }

  @Test
  void benchTrainTimesTheFilesNetworkWithTheTrainStagesSettings(@TempDir Path dir)
      throws Exception {
    Experiment e = load(write(dir));
    TrainBenchmark.Setup s = BenchTrainCommand.setup(e, 1, 3, 1, null);
    assertThat(s.arch()).isEqualTo(e.architecture());
    assertThat(s.arch().inputChannels()).isEqualTo(1);
    assertThat(s.arch().imageSize()).isEqualTo(24);
    assertThat(s.training()).isEqualTo(new CellSpecs(e).train(e.seed()).training());
    assertThat(s.batchSize()).isEqualTo(8);
    assertThat(s.training().optimizer().kind()).isEqualTo(OptimizerSpec.Kind.ADAM);
    assertThat(s.training().optimizer().learningRate()).isEqualTo(0.002);
    assertThat(s.training().labelSmoothing()).isEqualTo(0.05);
    assertThat(s.workers()).isEqualTo(s.training().loaderWorkers());
    assertThat(BenchTrainCommand.setup(e, 1, 3, 1, 3).workers()).isEqualTo(3);
  }

  @Test
  void benchTrakTimesTheFilesNetworkWithTheAttributeStagesSettings(@TempDir Path dir)
      throws Exception {
    Experiment e = load(write(dir));
    TrakBenchmark.Options o = BenchTrakCommand.options(e, "layer2", 4, 2, 16, 100);
    assertThat(o.spec()).isEqualTo(CellSpecs.trak(e.attribution(), e.seed()));
    assertThat(o.spec().projection()).isEqualTo(ProjectionKind.RADEMACHER);
    assertThat(o.spec().projectionDim()).isEqualTo(24);
    assertThat(o.spec().projections()).isEqualTo(2);
    assertThat(o.spec().batchSize()).isEqualTo(4);
    assertThat(o.spec().parameters().spec()).isEqualTo("layer2+probe");
    // random computes no features: the first estimator that does is timed
    assertThat(o.method()).isEqualTo(AttributionMethod.GRAD_COS);
    assertThat(o.target().arch()).isEqualTo(e.architecture());
    assertThat(o.target().layer()).isEqualTo("layer2");
    assertThat(o.target().pooled()).isTrue();
  }

  @Test
  void aMissingExperimentFileIsABadInputNamingIt(@TempDir Path dir) {
    Path missing = dir.resolve("nope.conf");
    for (String bench : List.of("train", "trak")) {
      CliHarness r = CliHarness.run("bench", bench, "--experiment", missing.toString());
      assertThat(r.exitCode()).as(bench).isEqualTo(ExitCode.BAD_INPUT);
      assertThat(r.err()).contains(missing + ": no such experiment file").doesNotContain("at ");
    }
  }

  @Test
  void aBadSettingIsReportedAtItsLine(@TempDir Path dir) throws Exception {
    Path file = write(dir);
    CliHarness r =
        CliHarness.run(
            "bench",
            "trak",
            "--experiment",
            file.toString(),
            "--set",
            "attribution.projection-dim=-3");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err()).contains("attribution.projection-dim");
  }
}
