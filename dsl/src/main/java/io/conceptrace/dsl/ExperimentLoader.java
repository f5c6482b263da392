package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.dsl.Experiment.Attribution;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Evaluate;
import io.conceptrace.dsl.Experiment.Execution;
import io.conceptrace.dsl.Experiment.Model;
import io.conceptrace.dsl.Experiment.Probes;
import io.conceptrace.dsl.Experiment.Prune;
import io.conceptrace.dsl.Experiment.Tracking;
import io.conceptrace.dsl.Experiment.Training;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptKind;
import io.conceptrace.store.StoreNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns an experiment file (plus {@code --set} overrides and environment overrides) into a
 * validated {@link Experiment}, or an {@link ExperimentException} listing every problem found.
 *
 * <p>Layering, strongest first: {@code --set key=value} (each parsed as HOCON), environment
 * variables {@code CONFIG_FORCE_a_b=value} (Typesafe Config's convention), the file with its {@code
 * include}s, the bundled defaults ({@code defaults.conf}). Substitutions ({@code ${...}}, {@code
 * ${?ENV}}) are resolved after merging.
 */
public final class ExperimentLoader {
  /**
   * How to load.
   *
   * @param overrides {@code key=value} strings, each parsed as HOCON, applied in order
   * @param scripts whether Kotlin blocks may be compiled and run (false: {@code --no-scripts})
   * @param checkData whether data directories must exist (only {@code ctrace run} needs them)
   * @param environmentOverrides whether {@code CONFIG_FORCE_*} variables apply
   */
  public record Options(
      List<String> overrides, boolean scripts, boolean checkData, boolean environmentOverrides) {
    public Options {
      overrides = List.copyOf(overrides);
    }

    /** For {@code ctrace run}: scripts on, data directories must exist. */
    public static Options run(List<String> overrides) {
      return new Options(overrides, true, true, true);
    }

    /** Plan-time loading: scripts on, data not needed. */
    public static Options plan() {
      return new Options(List.of(), true, false, true);
    }
  }

  private final Options options;
  private final Optional<KotlinScriptHost> scripts;

  /**
   * @param scripts the host that compiles Kotlin blocks; required unless {@code options.scripts()}
   *     is false
   */
  public ExperimentLoader(Options options, Optional<KotlinScriptHost> scripts) {
    if (options.scripts() && scripts.isEmpty()) {
      throw new IllegalArgumentException("scripts are enabled but no Kotlin script host was given");
    }
    this.options = options;
    this.scripts = options.scripts() ? scripts : Optional.empty();
  }

  /** The bundled defaults, the documented schema of every key. */
  public static Config defaults() {
    return ConfigFactory.parseResources(
        ExperimentLoader.class,
        "defaults.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /** The keys of one concept with their defaults. */
  public static Config conceptDefaults() {
    return ConfigFactory.parseResources(
        ExperimentLoader.class,
        "concept-defaults.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
  }

  /** Loads and validates; throws {@link ExperimentException} with every problem found. */
  public Experiment load(Path file) {
    String shown = file.toString();
    List<Problem> problems = new ArrayList<>();
    Config user = parse(file, problems);
    if (!problems.isEmpty()) {
      throw new ExperimentException(problems);
    }
    Config merged;
    try {
      merged =
          withConceptDefaults(
              user.withFallback(defaults()).resolve(ConfigResolveOptions.defaults()));
    } catch (ConfigException e) {
      throw new ExperimentException(List.of(fromConfigException(e, shown)));
    }
    Config defaults = defaults();
    Config conceptDefaults = conceptDefaults();
    ConfigReader r = new ConfigReader(merged, shown, defaults, conceptDefaults);
    UnknownKeys.check(r, merged.root(), defaults.root(), conceptDefaults.root());
    Experiment experiment = build(file, r);
    if (!r.problems().isEmpty()) {
      // In file order, the way a reader fixes them (stable: same line keeps the finding order).
      List<Problem> sorted = new ArrayList<>(new LinkedHashSet<>(r.problems()));
      sorted.sort(
          Comparator.comparing((Problem p) -> !p.position().file().equals(shown))
              .thenComparing(p -> p.position().file())
              .thenComparingInt(p -> p.position().line()));
      throw new ExperimentException(sorted);
    }
    return experiment;
  }

  /**
   * The study as this loader sees it, as one self-contained HOCON text: the file with its includes
   * inlined, the {@code --set} and environment overrides applied, substitutions resolved and the
   * bundled defaults filled in. Loading that text with no overrides gives the same experiment and
   * the same cell ids, whatever happens to the original file afterwards: what a Slurm job reads
   * (like the composed config Hydra hands each job). Nothing is validated or evaluated here, except
   * that {@code model.checkpoints} becomes the list of absolute paths it names, and an activation
   * concept's {@code reference.checkpoint} or {@code reference.torchscript} the absolute path
   * (relative names and globs are relative to the files that wrote them, which the text no longer
   * is: {@link WrittenPath}).
   */
  public String resolvedText(Path file) {
    List<Problem> problems = new ArrayList<>();
    Config user = parse(file, problems);
    if (!problems.isEmpty()) {
      throw new ExperimentException(problems);
    }
    try {
      Config merged =
          ConceptsBinder.absoluteReferenceFiles(
              CheckpointsBinder.absolute(
                  withConceptDefaults(
                      user.withFallback(defaults()).resolve(ConfigResolveOptions.defaults())),
                  file),
              file);
      return merged
          .root()
          .render(
              ConfigRenderOptions.defaults()
                  .setOriginComments(false)
                  .setComments(false)
                  .setJson(false)
                  .setFormatted(true));
    } catch (ConfigException e) {
      throw new ExperimentException(List.of(fromConfigException(e, file.toString())));
    }
  }

  /** Gives every concept object the concept defaults as fallback. */
  private static Config withConceptDefaults(Config merged) {
    if (!merged.hasPath("concepts")
        || merged.getValue("concepts").valueType() != ConfigValueType.OBJECT) {
      return merged;
    }
    Config out = merged;
    ConfigObject conceptDefaults = conceptDefaults().root();
    for (Map.Entry<String, ConfigValue> e : merged.getObject("concepts").entrySet()) {
      if (e.getValue() instanceof ConfigObject obj) {
        out =
            out.withValue(
                ConfigUtil.joinPath("concepts", e.getKey()), obj.withFallback(conceptDefaults));
      }
    }
    return out;
  }

  private Config parse(Path file, List<Problem> problems) {
    ConfigParseOptions parseOptions =
        ConfigParseOptions.defaults().setAllowMissing(false).setSyntax(ConfigSyntax.CONF);
    Config fileConfig = ConfigFactory.empty();
    if (!Files.isRegularFile(file)) {
      problems.add(new Problem(new SourcePosition(file.toString(), 0, 0), "", "no such file"));
      return fileConfig;
    }
    try {
      // Includes are resolved by IncludeResolver: a missing or cyclic include is a problem.
      fileConfig = IncludeResolver.parse(file, parseOptions, problems);
    } catch (ConfigException e) {
      problems.add(fromConfigException(e, file.toString()));
    }
    Config sets = ConfigFactory.empty();
    for (String s : options.overrides()) {
      if (!s.contains("=") && !s.contains(":")) {
        problems.add(new Problem(new SourcePosition("--set " + s, 0, 0), "", "expected key=value"));
        continue;
      }
      try {
        Config one =
            ConfigFactory.parseString(
                s, ConfigParseOptions.defaults().setOriginDescription("--set " + s));
        sets = one.withFallback(sets);
      } catch (ConfigException e) {
        problems.add(fromConfigException(e, "--set " + s));
      }
    }
    Config env =
        options.environmentOverrides()
            ? ConfigFactory.systemEnvironmentOverrides()
            : ConfigFactory.empty();
    return sets.withFallback(env).withFallback(fileConfig);
  }

  private static Problem fromConfigException(ConfigException e, String fallbackFile) {
    String message = e.getMessage();
    SourcePosition at = new SourcePosition(fallbackFile, 0, 0);
    if (e.origin() != null) {
      at = ConfigReader.position(e.origin());
      String prefix = e.origin().description() + ": ";
      if (message.startsWith(prefix)) {
        message = message.substring(prefix.length());
      }
    }
    String path = "";
    if (e instanceof ConfigException.UnresolvedSubstitution) {
      message =
          message.replaceFirst(
              "^Could not resolve substitution to a value: ", "cannot resolve substitution ");
    }
    return new Problem(at, path, message.lines().findFirst().orElse(message).strip());
  }

  // ---------------------------------------------------------------- typed tree

  /** One binder per section, in the file's documented order, then the relations between them. */
  private Experiment build(Path file, ConfigReader r) {
    // experiment.name has no default: the study must name itself (after that problem the name
    // is never used).
    Optional<String> named = r.requiredString("experiment.name");
    if (named.isPresent() && !StoreNames.isSafe(named.get())) {
      // The store's own rule: the name becomes its directory.
      r.problem("experiment.name", "must be " + StoreNames.RULE + ", got '" + named.get() + "'");
    }
    String name = named.orElse("");
    long seed = r.longValue("experiment.seed");
    String description = r.optionalString("experiment.description").orElse("");

    r.scriptBudget(); // the scripts keys are checked even when no block uses them
    Blocks blocks = new Blocks(scripts);
    ListReader lists = new ListReader(r, blocks);
    Data data = DataBinder.bind(r, options.checkData());
    Training training = TrainingBinder.bind(r);
    Model model = ModelBinder.bind(r, file, training.ensemble());
    Optional<ArchitectureSpec> spec = ModelBinder.architecture(r, data, model);
    spec.ifPresent(s -> CheckpointsBinder.checkContents(r, model.checkpoints(), s));
    Map<String, Concept> concepts =
        new ConceptsBinder(
                r, lists, blocks, data, options.checkData(), spec, training.ensemble(), file)
            .bind();
    Probes probes = ProbesBinder.bind(r, lists, spec);
    Attribution attribution = AttributionBinder.bind(r, lists, spec);
    Prune prune = PruneBinder.bind(r, lists, data, concepts);
    Optional<ScriptBlock> exclude = r.script("matrix.exclude");
    exclude.ifPresent(b -> blocks.compile(r, b, ScriptKind.FILTER));
    Tracking tracking = TrackingBinder.bind(r, name);
    Execution execution = ExecutionBinder.bind(r, lists);
    Evaluate evaluate = EvaluateBinder.bind(r);

    CrossSectionChecks.check(r, training, probes, attribution, prune, spec);
    FailBeforeCompute.check(
        r, data, concepts, probes, attribution, spec, FailBeforeCompute.machineMemoryBytes());
    return new Experiment(
        file,
        name,
        seed,
        description,
        data,
        model,
        training,
        concepts,
        probes,
        attribution,
        prune,
        exclude,
        tracking,
        execution,
        evaluate);
  }
}
