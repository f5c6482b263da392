package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTrainCommandTest {
  @Test
  @Tag("slow")
  void printsWallAndCpuRatesOfTheFilesNetworkAndOptimizer(@TempDir Path dir) throws Exception {
    Path file = BenchUsesTheExperimentTest.write(dir);
    CliHarness r =
        CliHarness.run(
            "bench",
            "train",
            "--experiment",
            file.toString(),
            "--steps",
            "2",
            "--warmup",
            "0",
            "--rounds",
            "1",
            "--workers",
            "1",
            "--device",
            "cpu");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        // 4-8-16-32 channels: convs 36 + 288 + 1152 + 4608, batch norms 2 x (4 + 8 + 16 + 32),
        // fc 32 x 10 + 10.
        .contains(
            "experiment "
                + file
                + ": small-cnn w0.250 small stem, 1x24x24, 10 classes, 6534 parameters")
        .contains("training   batch 8, adam lr 0.002, weight decay 1.0E-4, label smoothing 0.05")
        .contains("pipeline img/s", "pipeline img/CPU-s", "preloaded img/CPU-s", "loader overhead")
        .containsPattern(
            "small-cnn w0\\.250 small stem +\\S+ k +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +-?[0-9.]+%");
  }

  @Test
  void rejectsBadCountsAndAMissingBenchmark() {
    CliHarness bad = CliHarness.run("bench", "train", "--steps", "0");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err()).contains("--steps, --rounds and --workers must be positive");
    assertThat(CliHarness.run("bench").exitCode()).isEqualTo(ExitCode.BAD_INPUT);
  }
}
