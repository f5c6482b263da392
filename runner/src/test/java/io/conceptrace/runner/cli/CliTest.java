package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CliTest {
  @Test
  void infoPrintsPyTorchOnCpuWithoutNetwork() {
    CliHarness r = CliHarness.run("info", "--device", "cpu", "--threads", "1");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("engine          PyTorch 2.7.1")
        .contains("device          cpu()")
        .contains("threads         1 intra-op")
        .contains("offline         true")
        .containsPattern("natives +/.*libtorch");
  }

  @Test
  void missingGpuIsOneLineBadInput() {
    CliHarness r = CliHarness.run("info", "--device", "gpu:0");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err().strip())
        .isEqualTo(
            "ctrace: error: device gpu:0 was requested but no GPU is visible to PyTorch"
                + " (use --device cpu, or run on a machine with CUDA natives)");
  }

  @Test
  void badDeviceSyntaxAndUnknownCommandsExitTwo() {
    assertThat(CliHarness.run("info", "--device", "tpu").exitCode()).isEqualTo(2);
    assertThat(CliHarness.run("frobnicate").exitCode()).isEqualTo(2);
    assertThat(CliHarness.run().exitCode()).isEqualTo(2);
  }

  @Test
  void versionAndHelpExitZero() {
    CliHarness v = CliHarness.run("--version");
    assertThat(v.exitCode()).isZero();
    assertThat(v.out()).startsWith("ctrace ");
    CliHarness h = CliHarness.run("info", "--help");
    assertThat(h.exitCode()).isZero();
    assertThat(h.out()).contains("--device").contains("--threads").contains("--debug");
  }

  @Test
  void everyCommandsHelpSummaryIsOneWholeSentence() {
    java.util.List<String> cut = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(Main.newCommandLine());
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.poll();
      todo.addAll(c.getSubcommands().values());
      String[] d = c.getCommandSpec().usageMessage().description();
      // The first line is what `ctrace --help` lists: it must not stop mid-sentence.
      if (d.length == 0 || !d[0].matches("[A-Z].*[.?]")) {
        cut.add(c.getCommandName() + ": " + (d.length == 0 ? "(none)" : d[0]));
      }
    }
    assertThat(cut).isEmpty();
    CliHarness h = CliHarness.run("--help");
    assertThat(h.out().replaceAll("\\s+", " "))
        .contains("Run every cell of an experiment that the run store does not hold yet.")
        .contains("Cancel the experiment's Slurm jobs that are still queued or running.");
  }
}
