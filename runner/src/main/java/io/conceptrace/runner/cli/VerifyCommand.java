package io.conceptrace.runner.cli;

import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.store.CellCheck;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.Verification;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace verify FILE}: hashes every file of every stored cell of the study and compares it
 * with what the cell's {@code cell.json} recorded at commit. Unlike {@code plan} and {@code run},
 * which trust a file whose size and modification time are unchanged, it reads everything, so it
 * also finds damage that kept both (bit rot, a forged time).
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Check every stored cell of an experiment against the sizes and hashes in its cell.json.",
      "Prints one line per damaged cell; exit 0 when all are intact, 1 otherwise. Changes",
      "nothing (ctrace run moves damaged cells aside and recomputes them)."
    })
public final class VerifyCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StudyArguments study;

  @Override
  public Integer call() {
    LoadedExperiment loaded = study.load();
    if (!loaded.ok()) {
      loaded.printProblems(spec.commandLine().getErr());
      return ExitCode.BAD_INPUT;
    }
    PrintWriter out = spec.commandLine().getOut();
    RunStore runs = study.runStore(loaded);
    String name = loaded.matrix().experiment();
    int intact = 0;
    int damaged = 0;
    int absent = 0;
    for (Cell c : loaded.matrix().cells()) {
      CellCheck check = runs.check(name, c.stage(), c.id(), Verification.FULL);
      switch (check.state()) {
        case INTACT -> intact++;
        case ABSENT -> absent++;
        case DAMAGED -> {
          damaged++;
          out.printf(
              "damaged %s %s %s: %s%n",
              c.id(), c.stage(), runs.cellDirectory(name, c.stage(), c.id()), check.problem());
        }
      }
    }
    out.printf(
        "%s: %d cell(s) intact, %d damaged, %d not computed yet (store %s)%n",
        name, intact, damaged, absent, runs.root());
    out.flush();
    return damaged == 0 ? ExitCode.OK : ExitCode.RUN_FAILED;
  }
}
