package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.runner.cli.CtraceCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ctrace bench trak} times {@code TrakSpec.defaults(k).withBatchSize(batch)}; with its
 * option defaults that must be exactly what an attribution cell of a study that leaves {@code
 * attribution} at {@code defaults.conf} hands to TRAK (up to the cell's projection seed).
 */
class BenchTrakUsesStudyDefaultsTest {
  @Test
  void theBenchmarksSpecIsAStudysDefaultAttribution(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("defaults-only.conf");
    Files.writeString(
        file,
        """
        experiment.name = defaults-only
        data { source = synthetic, train.per-class = 60, val.per-class = 2 }
        concepts.wavy { kind = classes, classes = [snake, worm] }
        probes.layers = [layer3]
        """);
    Experiment e =
        new ExperimentLoader(
                new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
            .load(file);
    CommandLine.Model.CommandSpec trak =
        new CommandLine(new CtraceCommand())
            .getSubcommands()
            .get("bench")
            .getSubcommands()
            .get("trak")
            .getCommandSpec();
    int k = Integer.parseInt(trak.findOption("-k").defaultValue());
    int batch = Integer.parseInt(trak.findOption("--batch").defaultValue());

    TrakSpec study = CellSpecs.trak(e.attribution(), 0L);
    TrakSpec bench = TrakSpec.defaults(k).withBatchSize(batch);
    assertThat(bench).isEqualTo(study);
    assertThat(TrakSpec.defaults(e.attribution().projectionDim())).isEqualTo(study);
  }
}
