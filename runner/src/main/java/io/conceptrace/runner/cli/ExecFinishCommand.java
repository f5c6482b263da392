package io.conceptrace.runner.cli;

import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.mlflow.MlflowConnection;
import io.conceptrace.mlflow.StoreSync;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.Planner;
import io.conceptrace.runner.exec.slurm.JobLedger;
import io.conceptrace.runner.exec.slurm.SlurmClient;
import io.conceptrace.runner.exec.slurm.SlurmCommands;
import io.conceptrace.runner.exec.slurm.SlurmStatus;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace exec-finish}: the last Slurm job of a submission ({@code afterany} on every cell
 * job). Prints where every cell stands, points at the report cell, and uploads the run store to
 * MLflow when tracking is on and the server answers (the cells' live logging may have been off or
 * cut: sync is idempotent and fills the gaps). Internal (hidden from help).
 */
@Command(
    name = "exec-finish",
    hidden = true,
    mixinStandardHelpOptions = true,
    description = "Internal: after a Slurm submission's cells, sync and summarize.")
public final class ExecFinishCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Option(names = "--store", required = true, paramLabel = "DIR", description = "Run store root.")
  Path store;

  @Option(
      names = "--experiment",
      required = true,
      paramLabel = "FILE",
      description = "Experiment file.")
  Path file;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    LoadedExperiment loaded = LoadedExperiment.load(file, options, options.scriptHost());
    if (!loaded.ok()) {
      loaded.printProblems(err);
      return ExitCode.BAD_INPUT;
    }
    RunStore runs = new RunStore(store);
    String name = loaded.matrix().experiment();
    ExecutionPlan plan = Planner.plan(name, MatrixCell.of(loaded.matrix()), runs, List.of());
    SlurmClient slurm = SlurmCommands.fromEnvironment();
    List<SlurmStatus.Line> lines =
        SlurmStatus.of(
            plan,
            runs,
            new JobLedger(runs, name),
            slurm.available() ? Optional.of(slurm) : Optional.empty());
    out.print(SlurmStatus.render(name, lines));
    lines.stream()
        .filter(l -> l.cell().stage().equals(Stages.REPORT))
        .filter(l -> l.kind() == SlurmStatus.Kind.DONE)
        .forEach(
            l ->
                out.println(
                    "report: " + runs.cellDirectory(name, l.cell().stage(), l.cell().id())));
    out.flush();
    Optional<MlflowConnection> server = ExecCellCommand.reachableServer(loaded.experiment(), err);
    if (server.isPresent()) {
      StoreSync.Summary s = new StoreSync(runs, server.get(), out::println).sync(List.of(name));
      out.println("mlflow sync: " + s);
    } else {
      out.println("mlflow sync: skipped (tracking off, no server configured, or not reachable)");
    }
    out.flush();
    return ExitCode.OK;
  }
}
