package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class BenchTrainCommandTest {
  @Test
  @Tag("slow")
  void printsThroughputWithAndWithoutThePipeline() {
    CliHarness r =
        CliHarness.run(
            "bench",
            "train",
            "--only",
            "quick",
            "--quick-width",
            "0.25",
            "--quick-steps",
            "2",
            "--warmup",
            "0",
            "--rounds",
            "1",
            "--batch",
            "16",
            "--workers",
            "1",
            "--device",
            "cpu");
    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("pipeline img/s", "preloaded img/s", "loader overhead")
        .containsPattern("small-cnn w0\\.25 +\\S+ k +[0-9.]+ +[0-9.]+ +-?[0-9.]+%")
        .doesNotContain("resnet18");
  }

  @Test
  void rejectsUnknownNetworkAndMissingBenchmark() {
    CliHarness bad = CliHarness.run("bench", "train", "--only", "vgg");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err()).contains("--only must be quick or resnet18, got 'vgg'");
    assertThat(CliHarness.run("bench").exitCode()).isEqualTo(ExitCode.BAD_INPUT);
  }
}
