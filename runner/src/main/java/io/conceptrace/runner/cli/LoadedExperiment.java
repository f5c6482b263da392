package io.conceptrace.runner.cli;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.dsl.script.ScriptException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** An experiment file loaded and expanded, or the problems that stopped it. */
record LoadedExperiment(Experiment experiment, RunMatrix matrix, List<Problem> problems) {
  /** Loads and expands {@code file} for planning: data directories need not exist. */
  static LoadedExperiment load(
      Path file, ExperimentOptions options, Optional<KotlinScriptHost> host) {
    return load(file, options, host, false);
  }

  /**
   * Loads and expands {@code file}.
   *
   * @param forRun whether the data directories must exist (a run reads them; planning does not)
   */
  static LoadedExperiment load(
      Path file, ExperimentOptions options, Optional<KotlinScriptHost> host, boolean forRun) {
    try {
      Experiment e = options.loader(host, forRun).load(file);
      RunMatrix m = new MatrixExpander(host).expand(e);
      return new LoadedExperiment(e, m, List.of());
    } catch (ExperimentException e) {
      return new LoadedExperiment(null, null, e.problems());
    } catch (ScriptException e) {
      return new LoadedExperiment(null, null, e.problems());
    }
  }

  boolean ok() {
    return problems.isEmpty();
  }

  /** Prints every problem, one line each. */
  void printProblems(PrintWriter err) {
    problems.forEach(p -> err.println(p));
    err.flush();
  }
}
