package io.conceptrace.runner.cli;

import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.script.KotlinScriptHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options of every command that reads experiment files. */
public final class ExperimentOptions {
  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override a setting; VALUE is HOCON (e.g. --set probes.layers=[layer3]). Repeatable.")
  List<String> overrides = new ArrayList<>();

  @Option(
      names = "--no-scripts",
      description =
          "Never compile or run the file's Kotlin blocks (for files from untrusted sources);"
              + " values they compute are shown as unevaluated.")
  boolean noScripts;

  /**
   * A loader.
   *
   * @param dataMustExist whether missing data directories are problems (for a run)
   */
  ExperimentLoader loader(Optional<KotlinScriptHost> host, boolean dataMustExist) {
    return new ExperimentLoader(
        new ExperimentLoader.Options(overrides, !noScripts, dataMustExist, true), host);
  }

  /** The Kotlin host, unless {@code --no-scripts}. */
  Optional<KotlinScriptHost> scriptHost() {
    return noScripts ? Optional.empty() : Optional.of(KotlinScriptHost.withDefaultCache());
  }
}
