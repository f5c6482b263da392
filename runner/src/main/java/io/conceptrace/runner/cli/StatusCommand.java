package io.conceptrace.runner.cli;

import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.Planner;
import io.conceptrace.runner.exec.slurm.JobLedger;
import io.conceptrace.runner.exec.slurm.SlurmClient;
import io.conceptrace.runner.exec.slurm.SlurmCommands;
import io.conceptrace.runner.exec.slurm.SlurmStatus;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ctrace status FILE}: where every cell stands, from the run store and Slurm. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Show how many cells of an experiment are done, running, queued, failed or missing.",
      "Per stage, from the run store and the Slurm jobs `ctrace run --executor slurm` recorded;"
          + " each failed cell with its reason and job log."
    })
public final class StatusCommand implements Callable<Integer> {
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
    RunStore runs = study.runStore(loaded);
    String name = loaded.matrix().experiment();
    ExecutionPlan plan = Planner.plan(name, MatrixCell.of(loaded.matrix()), runs, List.of());
    SlurmClient slurm = SlurmCommands.fromEnvironment();
    Optional<SlurmClient> client = slurm.available() ? Optional.of(slurm) : Optional.empty();
    List<SlurmStatus.Line> lines = SlurmStatus.of(plan, runs, new JobLedger(runs, name), client);
    out.print(SlurmStatus.render(name, lines));
    if (client.isEmpty()) {
      out.println("(no Slurm client on this machine: job states come from the run store only)");
    }
    out.flush();
    return ExitCode.OK;
  }
}
