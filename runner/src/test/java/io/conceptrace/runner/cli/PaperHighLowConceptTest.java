package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code experiments/imagenet10p.conf} defines the paper's high-low concept from an InceptionV1
 * TorchScript file beside it: it plans without the file, and {@code ctrace run} stops before any
 * cell with one line naming it.
 */
class PaperHighLowConceptTest {
  private static final String FILE = "../experiments/imagenet10p.conf";

  @Test
  void plansWithoutTheReferenceFile(@TempDir Path store) {
    CliHarness r = CliHarness.run("plan", FILE, "--store", store.toString());
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains(
            "note: concepts.high-low.reference.torchscript: ../experiments/inception_v1_mixed3a.pt"
                + " is not there")
        .contains("\nconcept (1)\n")
        .containsPattern("high-low: max over channels \\[136, .*\\] of the L2 norms at mixed3a")
        .containsPattern("threshold: computed by cell [0-9a-f]{16} \\(concept high-low\\)");
  }

  @Test
  void aRunWithoutTheReferenceFileFailsInOneLineNamingTheFileLookedFor(@TempDir Path data)
      throws Exception {
    // The image folders exist, so the missing network is the only problem.
    Path train = Files.createDirectories(data.resolve("train"));
    Path val = Files.createDirectories(data.resolve("val"));
    CliHarness r =
        CliHarness.run(
            "run",
            FILE,
            "--set",
            "data.train.path=" + train,
            "--set",
            "data.val.path=" + val,
            "--store",
            data.resolve("runs").toString());
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    // The name is relative to the experiment file's directory, not to the working directory: the
    // line names the file as resolved.
    assertThat(r.err().lines().toList())
        .containsExactly(
            FILE
                + ":67: concepts.high-low.reference.torchscript: no such TorchScript file:"
                + " ../experiments/inception_v1_mixed3a.pt");
    assertThat(data.resolve("runs")).doesNotExist();
  }
}
