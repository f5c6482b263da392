package io.conceptrace.runner.cli;

import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The experiment file, its options and the run store: what every command that looks at a study's
 * stored results takes ({@code plan}, {@code report}, {@code status}, {@code cancel}).
 */
public final class StudyArguments {
  @Mixin ExperimentOptions options;

  @Parameters(paramLabel = "FILE", description = "Experiment file.")
  Path file;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description = "Run store root (default: the file's execution.store).")
  Path store;

  /** The file loaded for planning (data directories need not exist). */
  LoadedExperiment load() {
    return LoadedExperiment.load(file, options, options.scriptHost());
  }

  /** {@code --store}, else the experiment's {@code execution.store}. */
  RunStore runStore(LoadedExperiment loaded) {
    return new RunStore(store != null ? store : loaded.experiment().execution().store());
  }
}
