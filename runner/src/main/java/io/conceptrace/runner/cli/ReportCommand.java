package io.conceptrace.runner.cli;

import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.Verification;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace report FILE}: redraws the study's report (tables, figures, HTML) from the results
 * already in the run store. It computes nothing else: when a result is missing it says so and
 * points at {@code ctrace run}.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Redraw an experiment's report (summary tables, figures, report/index.html) from the run"
            + " store. Every other cell must be complete (see ctrace plan). The previous report stays"
            + " until the new one is complete; exits 1 if it cannot be drawn.")
public final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StudyArguments study;

  @Mixin EngineSelection engine;

  @Override
  public Integer call() {
    LoadedExperiment loaded = study.load();
    if (!loaded.ok()) {
      loaded.printProblems(spec.commandLine().getErr());
      return ExitCode.BAD_INPUT;
    }
    RunStore runs = study.runStore(loaded);
    String name = loaded.matrix().experiment();
    long missing =
        loaded.matrix().cells().stream()
            .filter(c -> !c.stage().equals(Stages.REPORT))
            .filter(c -> !runs.check(name, c.stage(), c.id(), Verification.QUICK).isIntact())
            .count();
    if (missing > 0) {
      spec.commandLine()
          .getErr()
          .printf(
              "ctrace: error: %d cell(s) of %s have no intact result in %s; run `ctrace run %s`"
                  + " first (ctrace plan shows which)%n",
              missing, name, runs.root(), study.file);
      spec.commandLine().getErr().flush();
      return ExitCode.RUN_FAILED;
    }
    // Everything else is cached, so a run that forces only the report stage recomputes it alone.
    List<String> args =
        new ArrayList<>(List.of("run", study.file.toString(), "--force", Stages.REPORT));
    args.addAll(List.of("--store", runs.root().toString(), "--progress", "log"));
    args.addAll(List.of("--device", engine.device.toString(), "--threads", "" + engine.threads));
    study.options.overrides.forEach(o -> args.addAll(List.of("--set", o)));
    if (study.options.noScripts) {
      args.add("--no-scripts");
    }
    CommandLine run = Main.newCommandLine();
    run.setOut(spec.commandLine().getOut());
    run.setErr(spec.commandLine().getErr());
    // `run` ends by printing the page's path.
    int code = run.execute(args.toArray(String[]::new));
    return code;
  }
}
