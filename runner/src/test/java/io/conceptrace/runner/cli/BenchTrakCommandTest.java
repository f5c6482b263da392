package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class BenchTrakCommandTest {
  @Test
  void tinyRunReportsEveryMeasurement() {
    CliHarness r =
        CliHarness.run(
            "bench",
            "trak",
            "--device",
            "cpu",
            "--quick",
            "--images",
            "4",
            "--loop-images",
            "2",
            "-k",
            "16",
            "--batch",
            "2",
            "--matmul-size",
            "128",
            "--projection-params",
            "1000");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.OK);
    assertThat(r.out())
        .contains("dense matmul", "GFLOP/s (fp32, 128^3)")
        .contains("projection       P=1000 -> k=16")
        .contains("featurize        quickstart (small-cnn w1, 32x32, layer3): P=")
        .contains("train images/s")
        .contains("speed-up")
        .containsPattern("peak RSS         \\d+ MiB");
  }

  @Test
  void nonPositiveSizesAreUserErrors() {
    CliHarness bad = CliHarness.run("bench", "trak", "--images", "0");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err()).contains("must be positive");
  }
}
