package io.conceptrace.runner.exec.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.runner.cli.CliHarness;
import io.conceptrace.runner.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctrace run --executor slurm --dry-run} against a golden file: the job scripts of the Slurm
 * test study with every setting used. Needs no cluster (a dry run submits and checks nothing).
 * After an intended change, regenerate with {@code -Dctrace.updateGolden=true}.
 */
class SlurmDryRunTest {
  static final Path STUDY = Path.of("src/test/resources/experiments/slurm-tiny.conf");
  private static final Path GOLDEN = Path.of("src/test/resources/slurm/dry-run.golden");

  @TempDir Path dir;

  @Test
  void theDryRunPrintsTheGoldenScripts() throws Exception {
    Path store = dir.resolve("runs");
    CliHarness r =
        CliHarness.run(
            "run",
            STUDY.toString(),
            "--executor",
            "slurm",
            "--dry-run",
            "--store",
            store.toString(),
            "--set",
            "execution.slurm.gpus-per-task=2",
            "--set",
            "execution.slurm.account=lab",
            "--set",
            "execution.slurm.extra-args=[\"--qos=short\", \"--constraint=a100|h100\"]");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.OK);
    assertThat(r.err()).contains("6 would be submitted");
    TaskCommand jvm =
        TaskCommand.ofThisJvm("x", store, STUDY.toAbsolutePath(), java.util.List.of(), false);
    String normalized =
        r.out()
            .replace(JobScript.quote(jvm.classPath()), "@CLASSPATH@")
            .replace(jvm.java(), "@JAVA@")
            .replace(store.toAbsolutePath().toString(), "@STORE@")
            .replace(STUDY.toAbsolutePath().normalize().toString(), "@FILE@")
            // The resolved study's name is its content hash: it changes with any default.
            .replaceAll("submitted/[0-9a-f]{16}\\.conf", "submitted/@HASH@.conf");
    if (Boolean.getBoolean("ctrace.updateGolden")) {
      Files.writeString(GOLDEN, normalized);
    }
    assertThat(normalized).isEqualTo(Files.readString(GOLDEN));
    // A dry run submits and records nothing.
    assertThat(store).doesNotExist();
  }
}
