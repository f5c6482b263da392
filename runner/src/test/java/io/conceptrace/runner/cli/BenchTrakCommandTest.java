package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTrakCommandTest {
  @Test
  @Tag("slow")
  void aTinyRunReportsEveryMeasurementWithTheFilesSettings(@TempDir Path dir) throws Exception {
    Path file = BenchUsesTheExperimentTest.write(dir);
    CliHarness r =
        CliHarness.run(
            "bench",
            "trak",
            "--experiment",
            file.toString(),
            "--device",
            "cpu",
            "--images",
            "6",
            "--loop-images",
            "2",
            "--matmul-size",
            "128",
            "--projection-params",
            "1000");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.OK);
    assertThat(r.out())
        .contains("experiment       " + file + ": small-cnn w0.250 small stem, 1x24x24, layer2")
        .contains("(pooled)")
        .contains("attribution      grad-cos, projection rademacher k=24 x 2, batch 4")
        .contains("parameters layer2+probe")
        .contains("dense matmul", "GFLOP/s (fp32, 128^3)")
        .contains("projection       P=1000 -> k=24")
        .contains("2 projection(s) of k=24, 6 images in")
        .containsPattern("[0-9.]+ train images/s, [0-9.]+ train images/CPU-s")
        .contains("speed-up")
        .containsPattern("peak RSS         \\d+ MiB");
    Matcher shares =
        Pattern.compile(
                "time shares      gradients (\\d+) %, projection generation (\\d+) %,"
                    + " projection matmul (\\d+) %, other (\\d+) %")
            .matcher(r.out());
    assertThat(shares.find()).as(r.out()).isTrue();
    int sum = 0;
    for (int g = 1; g <= 4; g++) {
      sum += Integer.parseInt(shares.group(g));
    }
    assertThat(sum).as("the shares add up to the featurization").isBetween(98, 102);
    assertThat(Integer.parseInt(shares.group(1))).as("gradients take time").isPositive();
  }

  @Test
  void nonPositiveSizesAndUnknownLayersAreUserErrors(@TempDir Path dir) throws Exception {
    CliHarness bad = CliHarness.run("bench", "trak", "--images", "0");
    assertThat(bad.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(bad.err()).contains("must be positive");
    Path file = BenchUsesTheExperimentTest.write(dir);
    CliHarness layer =
        CliHarness.run("bench", "trak", "--experiment", file.toString(), "--layer", "layer9");
    assertThat(layer.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(layer.err()).contains("--layer: small-cnn has no layer 'layer9'");
  }
}
