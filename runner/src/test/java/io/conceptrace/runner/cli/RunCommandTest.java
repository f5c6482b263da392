package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.script.KotlinScriptHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  @TempDir Path dir;

  @Test
  void aBrokenExperimentFileIsBadInputAndRunsNothing() throws Exception {
    Path file = dir.resolve("bad.conf");
    Path quickstart = Path.of("../experiments/quickstart.conf").toAbsolutePath().normalize();
    Files.writeString(file, "include file(\"" + quickstart + "\")\nprobes { layerz = [layer1] }\n");
    CliHarness r =
        CliHarness.run(
            "run", file.toString(), "--no-scripts", "--store", dir.resolve("runs").toString());
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err()).contains("bad.conf:2").contains("layerz");
    assertThat(dir.resolve("runs")).doesNotExist();
  }

  @Test
  void aPredicateThatSelectsNothingFailsBeforeAnyCell() throws Exception {
    Path file = dir.resolve("never.conf");
    Path tiny = Path.of("src/test/resources/experiments/tiny.conf").toAbsolutePath();
    Files.writeString(
        file,
        "include file(\""
            + tiny
            + "\")\n"
            + "concepts.dark { kind = predicate, script = \"\"\"mean() < -1.0\"\"\" }\n");
    System.setProperty(KotlinScriptHost.CACHE_PROPERTY, dir.resolve("cache").toString());
    CliHarness r;
    try {
      r = CliHarness.run("run", file.toString(), "--store", dir.resolve("runs").toString());
    } finally {
      System.clearProperty(KotlinScriptHost.CACHE_PROPERTY);
    }
    assertThat(r.err().lines().toList())
        .containsExactly(
            file
                + ":2:47: concepts.dark.script: concept 'dark' train split: no positive examples of"
                + " predicate mean() < -1.0 in synthetic/train");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(dir.resolve("runs")).as("no cell ran, no store was made").doesNotExist();
  }

  @Test
  void helpListsTheExecutionOptions() {
    CliHarness h = CliHarness.run("run", "--help");
    assertThat(h.exitCode()).isZero();
    assertThat(h.out())
        .contains("--jobs")
        .contains("--force")
        .contains("--keep-going")
        .contains("--store")
        .contains("--set")
        .contains("--threads");
  }
}
