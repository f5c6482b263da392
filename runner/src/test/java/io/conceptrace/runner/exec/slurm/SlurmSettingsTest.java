package io.conceptrace.runner.exec.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.runner.cli.CliHarness;
import io.conceptrace.runner.cli.ExitCode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code execution.slurm} block: defaults, values as written, every problem at once. */
class SlurmSettingsTest {
  private static Experiment load(List<String> overrides) {
    return new ExperimentLoader(
            new ExperimentLoader.Options(overrides, false, false, true), Optional.empty())
        .load(SlurmDryRunTest.STUDY);
  }

  @Test
  void defaultsAreLocalExecutionAndOneCorePerJob() {
    Experiment e = load(List.of("execution.slurm.partition=null", "execution.slurm.mem=null"));
    assertThat(e.execution().executor()).isEqualTo("local");
    assertThat(e.execution().slurm())
        .isEqualTo(
            new Experiment.Slurm(
                Optional.empty(),
                Optional.empty(),
                Optional.of("10"),
                1,
                Optional.empty(),
                0,
                List.of()));
  }

  @Test
  void theFilesValuesAreKept() {
    Experiment e =
        load(
            List.of(
                "execution.executor=slurm",
                "execution.slurm.time=\"1-12:00:00\"",
                "execution.slurm.gpus-per-task=2",
                "execution.slurm.extra-args=[\"--qos=short\"]"));
    assertThat(e.execution().executor()).isEqualTo("slurm");
    assertThat(e.execution().slurm().partition()).contains("debug");
    assertThat(e.execution().slurm().time()).contains("1-12:00:00");
    assertThat(e.execution().slurm().mem()).contains("1G");
    assertThat(e.execution().slurm().gpusPerTask()).isEqualTo(2);
    assertThat(e.execution().slurm().extraArgs()).containsExactly("--qos=short");
  }

  @Test
  void everyBadSettingIsReportedWithItsKey() {
    CliHarness r =
        CliHarness.run(
            "validate",
            SlurmDryRunTest.STUDY.toString(),
            "--set",
            "execution.executor=slurmm",
            "--set",
            "execution.slurm.time=\"two hours\"",
            "--set",
            "execution.slurm.mem=lots",
            "--set",
            "execution.slurm.cpus-per-task=0",
            "--set",
            "execution.slurm.extra-args=[\"qos=short\"]",
            "--set",
            "execution.slurm.partiton=gpu");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err())
        .contains(
            "execution.executor: must be one of local, slurm, got 'slurmm'; did you mean slurm?")
        .contains("execution.slurm.time: must be a Slurm time limit")
        .contains("execution.slurm.mem: must be a Slurm memory size")
        .contains("execution.slurm.cpus-per-task: must be")
        .contains("execution.slurm.extra-args[0]: must be one sbatch option")
        .contains("execution.slurm.partiton: unknown key; did you mean execution.slurm.partition?");
  }
}
