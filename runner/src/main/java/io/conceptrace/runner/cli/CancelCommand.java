package io.conceptrace.runner.cli;

import io.conceptrace.core.BadInputException;
import io.conceptrace.runner.exec.slurm.JobLedger;
import io.conceptrace.runner.exec.slurm.SlurmClient;
import io.conceptrace.runner.exec.slurm.SlurmCommands;
import io.conceptrace.runner.exec.slurm.SlurmJob;
import io.conceptrace.runner.exec.slurm.SubmittedJob;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ctrace cancel FILE}: scancel the experiment's queued and running Slurm jobs. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = {
      "Cancel the experiment's Slurm jobs that are still queued or running.",
      "Uses scancel. Finished cells stay in the run store; `ctrace run` submits the rest again."
    })
public final class CancelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StudyArguments study;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    LoadedExperiment loaded = study.load();
    if (!loaded.ok()) {
      loaded.printProblems(spec.commandLine().getErr());
      return ExitCode.BAD_INPUT;
    }
    SlurmClient slurm = SlurmCommands.fromEnvironment();
    if (!slurm.available()) {
      throw new BadInputException("cancel: sbatch/scancel are not on the PATH (no Slurm client)");
    }
    RunStore runs = study.runStore(loaded);
    List<SubmittedJob> jobs = new JobLedger(runs, loaded.matrix().experiment()).jobs();
    Map<String, SlurmJob> states = slurm.jobs(jobs.stream().map(SubmittedJob::jobId).toList());
    List<String> active =
        states.values().stream().filter(SlurmJob::active).map(SlurmJob::id).toList();
    slurm.cancel(active);
    out.printf(
        "cancelled %d job(s)%s%n",
        active.size(), active.isEmpty() ? "" : ": " + String.join(" ", active));
    out.flush();
    return ExitCode.OK;
  }
}
