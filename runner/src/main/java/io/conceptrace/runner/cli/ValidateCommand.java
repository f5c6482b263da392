package io.conceptrace.runner.cli;

import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.runner.stages.StudyInputs;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ctrace validate FILE...}: every problem of every file, or one OK line per file. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description =
        "Check experiment files. Every problem is printed as FILE:LINE: key: message (exit code 2);"
            + " a valid file prints one line with the size of its run matrix.")
public final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Experiment files.")
  List<Path> files;

  @Override
  public Integer call() {
    Optional<KotlinScriptHost> host = options.scriptHost();
    boolean allOk = true;
    for (Path file : files) {
      LoadedExperiment loaded = LoadedExperiment.load(file, options, host);
      if (!loaded.ok()) {
        loaded.printProblems(spec.commandLine().getErr());
        allOk = false;
        continue;
      }
      if (host.isPresent() && StudyInputs.generatedData(loaded.experiment())) {
        // Generated images cost a second: run the predicates on them now, as a run would first.
        List<Problem> concepts = new StudyInputs(loaded.experiment(), host).checkConcepts();
        if (!concepts.isEmpty()) {
          concepts.forEach(spec.commandLine().getErr()::println);
          spec.commandLine().getErr().flush();
          allOk = false;
          continue;
        }
      }
      spec.commandLine().getOut().println(file + ": OK, " + describe(loaded.matrix()));
    }
    spec.commandLine().getOut().flush();
    return allOk ? ExitCode.OK : ExitCode.BAD_INPUT;
  }

  static String describe(RunMatrix m) {
    Map<String, List<Cell>> stages = m.byStage();
    String counts =
        stages.entrySet().stream()
            .map(e -> e.getValue().size() + " " + e.getKey())
            .collect(Collectors.joining(", "));
    String notes =
        m.notes().isEmpty() ? "" : " (" + m.notes().size() + " note(s), see ctrace plan)";
    return m.size() + " cells (" + counts + ")" + notes;
  }
}
