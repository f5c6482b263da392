package io.conceptrace.runner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The root of the command tree; it does nothing by itself but show help. */
@Command(
    name = "ctrace",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "ConceptTrace: which training examples made a network learn a concept?",
    subcommands = {
      InfoCommand.class,
      ValidateCommand.class,
      PlanCommand.class,
      DiffCommand.class,
      RunCommand.class,
      MlflowCommand.class,
      UiCommand.class,
      BenchCommand.class,
      StatusCommand.class,
      CancelCommand.class,
      ExecCellCommand.class,
      ExecFinishCommand.class,
      ReportCommand.class,
      VerifyCommand.class,
      ExportCommand.class
    },
    exitCodeOnInvalidInput = ExitCode.BAD_INPUT,
    exitCodeOnExecutionException = ExitCode.RUN_FAILED)
public final class CtraceCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin GlobalOptions global;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "a command is required (see ctrace --help)");
  }
}
