package io.conceptrace.runner.cli;

import io.conceptrace.dsl.matrix.PlanRenderer;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.Planner;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.store.CellName;
import io.conceptrace.store.RunStore;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ctrace plan FILE}: the run matrix, with what the run store already holds. */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description =
        "Show the run matrix of an experiment: cells per stage, each cell's coordinates, and which"
            + " are already complete in the run store (cached), which are damaged, and which would"
            + " run. Needs no data.")
public final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StudyArguments study;

  @Option(
      names = "--format",
      defaultValue = "text",
      description =
          "text or markdown (for pasting into a pull request). Default: ${DEFAULT-VALUE}.")
  String format;

  @Override
  public Integer call() {
    PlanRenderer.Format f = format(spec, format);
    LoadedExperiment loaded = study.load();
    if (!loaded.ok()) {
      loaded.printProblems(spec.commandLine().getErr());
      return ExitCode.BAD_INPUT;
    }
    RunStore runs = study.runStore(loaded);
    String name = loaded.matrix().experiment();
    // The run's own planner: a damaged cell, and what reads it, run again (as `ctrace run` would).
    ExecutionPlan plan = Planner.plan(name, MatrixCell.of(loaded.matrix()), runs, List.of());
    StringBuilder out =
        new StringBuilder(
            PlanRenderer.render(
                loaded.matrix(),
                study.file.toString(),
                c -> plan.cached().contains(c.id()),
                c -> plan.damaged().containsKey(c.id()),
                f));
    if (!plan.damaged().isEmpty()) {
      out.append(f == PlanRenderer.Format.MARKDOWN ? "\n**damaged**\n\n" : "\ndamaged\n");
      plan.damaged()
          .forEach(
              (id, problem) ->
                  out.append(f == PlanRenderer.Format.MARKDOWN ? "- `" : "  ")
                      .append(id)
                      .append(f == PlanRenderer.Format.MARKDOWN ? "` " : "  ")
                      .append(
                          CellName.of(
                              plan.byId().get(id).stage(), plan.byId().get(id).coordinates()))
                      .append(": ")
                      .append(problem)
                      .append('\n'));
      out.append(
          "ctrace run moves damaged cells under .attempts and computes them again, with every"
              + " cell that reads them\n");
    }
    out.append(
        ActivationConceptLines.render(
            loaded.experiment(),
            loaded.matrix(),
            c ->
                plan.cached().contains(c.id())
                    ? runs.find(name, c.stage(), c.id())
                    : Optional.empty(),
            f == PlanRenderer.Format.MARKDOWN));
    List<String> toRun =
        loaded.matrix().cells().stream()
            .filter(c -> !plan.cached().contains(c.id()))
            .map(c -> c.stage())
            .toList();
    ComputeEstimate estimate = ComputeEstimate.of(runs, name, ComputeEstimate.count(toRun));
    spec.commandLine().getOut().print(out);
    spec.commandLine()
        .getOut()
        .print(f == PlanRenderer.Format.MARKDOWN ? estimate.markdown() : estimate.text());
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
