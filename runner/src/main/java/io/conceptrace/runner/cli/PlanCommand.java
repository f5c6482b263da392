package io.conceptrace.runner.cli;

import io.conceptrace.dsl.matrix.PlanRenderer;
import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctrace plan FILE}: the run matrix, with what the run store already holds. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description =
        "Show the run matrix of an experiment: cells per stage, each cell's coordinates, and which"
            + " are already complete in the run store (cached) and which would run. Needs no data.")
public final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Parameters(paramLabel = "FILE", description = "Experiment file.")
  Path file;

  @Option(
      names = "--format",
      defaultValue = "text",
      description =
          "text or markdown (for pasting into a pull request). Default: ${DEFAULT-VALUE}.")
  String format;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description = "Run store to check for cached cells (default: the file's execution.store).")
  Path store;

  @Override
  public Integer call() {
    PlanRenderer.Format f = format(spec, format);
    LoadedExperiment loaded = LoadedExperiment.load(file, options, options.scriptHost());
    if (!loaded.ok()) {
      loaded.printProblems(spec.commandLine().getErr());
      return ExitCode.BAD_INPUT;
    }
    RunStore runs = new RunStore(store != null ? store : loaded.experiment().execution().store());
    String name = loaded.matrix().experiment();
    String out =
        PlanRenderer.render(
            loaded.matrix(), file.toString(), c -> runs.isComplete(name, c.stage(), c.id()), f);
    spec.commandLine().getOut().print(out);
    spec.commandLine().getOut().flush();
    return ExitCode.OK;
  }

  static PlanRenderer.Format format(CommandSpec spec, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "text" -> PlanRenderer.Format.TEXT;
      case "markdown", "md" -> PlanRenderer.Format.MARKDOWN;
      default ->
          throw new picocli.CommandLine.ParameterException(
              spec.commandLine(), "--format must be text or markdown, got '" + value + "'");
    };
  }
}
