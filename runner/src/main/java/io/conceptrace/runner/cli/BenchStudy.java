package io.conceptrace.runner.cli;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.script.ScriptException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The experiment file whose settings {@code ctrace bench train|trak} time. */
final class BenchStudy {
  /** What the benchmarks time unless told otherwise: the study most users run first. */
  static final String DEFAULT_FILE = "experiments/quickstart.conf";

  private BenchStudy() {}

  /**
   * Loads the file as {@code ctrace validate} does (data directories need not exist: the benchmarks
   * generate their images); prints its problems and returns empty if it has any.
   */
  static Optional<Experiment> load(Path file, ExperimentOptions options, PrintWriter err) {
    if (!Files.isRegularFile(file)) {
      err.println(
          "ctrace: error: "
              + file
              + ": no such experiment file (--experiment FILE; the default, "
              + DEFAULT_FILE
              + ", is relative to the working directory)");
      err.flush();
      return Optional.empty();
    }
    try {
      return Optional.of(options.loader(options.scriptHost(), false).load(file));
    } catch (ExperimentException e) {
      e.problems().forEach(err::println);
    } catch (ScriptException e) {
      e.problems().forEach(err::println);
    }
    err.flush();
    return Optional.empty();
  }
}
