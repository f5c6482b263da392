package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.core.data.ClassNames;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.dsl.Experiment.Activations;
import io.conceptrace.dsl.Experiment.Arm;
import io.conceptrace.dsl.Experiment.Attribution;
import io.conceptrace.dsl.Experiment.Augmentation;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Experiment.Crop;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Evaluate;
import io.conceptrace.dsl.Experiment.Execution;
import io.conceptrace.dsl.Experiment.KernelMode;
import io.conceptrace.dsl.Experiment.Lds;
import io.conceptrace.dsl.Experiment.Model;
import io.conceptrace.dsl.Experiment.Optimizer;
import io.conceptrace.dsl.Experiment.OptimizerName;
import io.conceptrace.dsl.Experiment.Probes;
import io.conceptrace.dsl.Experiment.ProgressiveResolution;
import io.conceptrace.dsl.Experiment.Projection;
import io.conceptrace.dsl.Experiment.Prune;
import io.conceptrace.dsl.Experiment.Schedule;
import io.conceptrace.dsl.Experiment.ScheduleKind;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.Experiment.Split;
import io.conceptrace.dsl.Experiment.Stem;
import io.conceptrace.dsl.Experiment.TargetLabels;
import io.conceptrace.dsl.Experiment.Targets;
import io.conceptrace.dsl.Experiment.Tracking;
import io.conceptrace.dsl.Experiment.Training;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptException;
import io.conceptrace.dsl.script.ScriptKind;
import io.conceptrace.store.StoreNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern DEVICE = Pattern.compile("cpu|gpu(:\\d+)?");

  /** Sizes of the built-in sources' splits per class: {train, val}. */
  private static final Map<String, int[]> BUILT_IN_PER_CLASS =
      Map.of("fashion-mnist", new int[] {6000, 1000}, "cifar10", new int[] {5000, 1000});

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
    ConfigReader r = new ConfigReader(merged, shown);
    checkKeys(r, merged.root(), defaults().root(), "");
    Experiment experiment = build(file, r);
    if (!r.problems().isEmpty()) {
      // In file order, the way a reader fixes them (stable: same line keeps the finding order).
      List<Problem> sorted = new ArrayList<>(new LinkedHashSet<>(r.problems()));
      sorted.sort(
          java.util.Comparator.comparing((Problem p) -> !p.position().file().equals(shown))
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
   * (like the composed config Hydra hands each job). Nothing is validated or evaluated here.
   */
  public String resolvedText(Path file) {
    List<Problem> problems = new ArrayList<>();
    Config user = parse(file, problems);
    if (!problems.isEmpty()) {
      throw new ExperimentException(problems);
    }
    try {
      Config merged =
          withConceptDefaults(
              user.withFallback(defaults()).resolve(ConfigResolveOptions.defaults()));
      return merged
          .root()
          .render(
              com.typesafe.config.ConfigRenderOptions.defaults()
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

  // ---------------------------------------------------------------- unknown keys

  private static void checkKeys(
      ConfigReader r, ConfigObject user, ConfigObject schema, String prefix) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      String path = prefix.isEmpty() ? quoteIfNeeded(key) : prefix + "." + quoteIfNeeded(key);
      ConfigValue value = e.getValue();
      if (prefix.isEmpty() && key.equals("concepts")) {
        checkConcepts(r, value);
        continue;
      }
      ConfigValue known = schema.get(key);
      if (known == null) {
        unknownKey(r, value, path, prefix, schema.keySet());
        continue;
      }
      if (known.valueType() == ConfigValueType.OBJECT && value instanceof ConfigObject obj) {
        checkKeys(r, obj, (ConfigObject) known, path);
      } else if (known.valueType() == ConfigValueType.LIST && value instanceof ConfigObject obj) {
        checkScriptObject(r, obj, path);
      }
    }
  }

  private static void checkScriptObject(ConfigReader r, ConfigObject obj, String path) {
    for (String k : obj.keySet()) {
      if (!k.equals("kotlin")) {
        r.problemAt(
            ConfigReader.position(obj.get(k)),
            path + "." + k,
            "unknown key; a computed list has only the key kotlin");
      }
    }
  }

  private static void checkConcepts(ConfigReader r, ConfigValue value) {
    if (!(value instanceof ConfigObject concepts)) {
      return; // reported as a type problem when reading
    }
    ConfigObject schema = conceptDefaults().root();
    for (Map.Entry<String, ConfigValue> c : concepts.entrySet()) {
      String path = "concepts." + quoteIfNeeded(c.getKey());
      if (c.getValue() instanceof ConfigObject obj) {
        for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
          String keyPath = path + "." + quoteIfNeeded(e.getKey());
          ConfigValue known = schema.get(e.getKey());
          if (known == null) {
            unknownKey(r, e.getValue(), keyPath, path, schema.keySet());
          } else if (known.valueType() == ConfigValueType.LIST
              && e.getValue() instanceof ConfigObject grid) {
            checkScriptObject(r, grid, keyPath);
          }
        }
      } else {
        r.problemAt(
            ConfigReader.position(c.getValue()),
            path,
            "a concept must be an object { kind = ..., ... }, got "
                + c.getValue().valueType().name().toLowerCase(java.util.Locale.ROOT));
      }
    }
  }

  private static void unknownKey(
      ConfigReader r, ConfigValue value, String path, String prefix, Set<String> siblings) {
    String key = path.substring(prefix.isEmpty() ? 0 : prefix.length() + 1);
    String hint =
        Suggestions.nearest(key, siblings)
            .map(s -> "; did you mean " + (prefix.isEmpty() ? "" : prefix + ".") + s + "?")
            .orElse("; known keys here: " + String.join(", ", new TreeSet<>(siblings)));
    r.problemAt(ConfigReader.position(value), path, "unknown key" + hint);
  }

  private static String quoteIfNeeded(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key + "\"";
  }

  // ---------------------------------------------------------------- typed tree

  private Experiment build(Path file, ConfigReader r) {
    String name = r.string("experiment.name", "experiment");
    if (!r.isNull("experiment.name") && !StoreNames.isSafe(name)) {
      // The store's own rule: the name becomes its directory.
      r.problem("experiment.name", "must be " + StoreNames.RULE + ", got '" + name + "'");
    }
    long seed = r.longValue("experiment.seed");
    String description = r.optionalString("experiment.description").orElse("");

    r.scriptBudget(); // the scripts keys are checked even when no block uses them
    Data data = data(r);
    Model model =
        new Model(
            r.string("model.arch", "small-cnn"),
            r.number("model.width", 0, true, 16, false, 1.0),
            r.choice("model.stem", Stem.class, Stem.SMALL));
    if (!ArchitectureSpec.NAMES.contains(model.arch())) {
      r.problem(
          "model.arch",
          "unknown architecture '"
              + model.arch()
              + "'; known: "
              + String.join(", ", ArchitectureSpec.NAMES)
              + ConfigReader.suggest(model.arch(), ArchitectureSpec.NAMES));
    }
    Optional<ArchitectureSpec> spec = architecture(r, data, model);

    Training training = training(r);
    Map<String, Concept> concepts = concepts(r, data);
    Probes probes = probes(r, spec);
    Attribution attribution = attribution(r, training, spec);
    Prune prune = prune(r, data, probes, concepts);
    Optional<ScriptBlock> exclude = r.script("matrix.exclude");
    exclude.ifPresent(b -> compile(r, b, ScriptKind.FILTER));
    Tracking tracking =
        new Tracking(
            r.bool("tracking.enabled", false),
            r.optionalString("tracking.uri"),
            r.optionalString("tracking.experiment-name").orElse(name));
    if (tracking.enabled() && tracking.uri().isEmpty()) {
      r.problem("tracking.uri", "required when tracking.enabled = true");
    }
    Execution execution = execution(r);
    Evaluate evaluate = evaluate(r);
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

  /** {@code evaluate.lds}: no subsets (off) or at least two, each a proper share of the data. */
  private static Evaluate evaluate(ConfigReader r) {
    int subsets = r.integer("evaluate.lds.subsets", 0, 100_000, 0);
    if (subsets == 1) {
      r.problem(
          "evaluate.lds.subsets",
          "must be 0 (no LDS) or at least 2: a rank correlation across subsets needs two, got 1");
    }
    double fraction = r.number("evaluate.lds.fraction", 0, true, 1, true, 0.5);
    return new Evaluate(new Lds(subsets, fraction));
  }

  private Data data(ConfigReader r) {
    String source = r.string("data.source", "synthetic");
    List<String> sources = List.of("synthetic", "fashion-mnist", "cifar10", "image-folder");
    if (!sources.contains(source)) {
      r.problem(
          "data.source",
          "must be one of "
              + String.join(", ", sources)
              + ", got '"
              + source
              + "'"
              + ConfigReader.suggest(source, sources));
      source = "synthetic";
    }
    Optional<List<String>> names = ClassNames.of(source);
    int classes;
    if (names.isPresent()) {
      classes = names.get().size();
      OptionalInt given = r.optionalInteger("data.classes", 2, 100_000);
      if (given.isPresent() && given.getAsInt() != classes) {
        r.problem(
            "data.classes",
            source + " has " + classes + " classes; remove this key or set it to " + classes);
      }
    } else {
      classes = r.isNull("data.classes") ? 0 : r.integer("data.classes", 2, 100_000, 2);
      if (r.isNull("data.classes")) {
        r.problem(
            "data.classes", "required for image-folder: the number of classes (ImageNet: 1000)");
        classes = 0; // unknown: class ids are not range-checked
      }
    }
    int imageSize = r.integer("data.image-size", 8, 4096, 32);
    int channels = r.integer("data.channels", 1, 3, 3);
    if (channels == 2) {
      r.problem("data.channels", "must be 1 (grey) or 3 (RGB), got 2");
    } else if (source.equals("fashion-mnist") && channels != 1) {
      r.problem("data.channels", "fashion-mnist images are grey: set data.channels = 1");
    } else if (source.equals("cifar10") && channels != 3) {
      r.problem("data.channels", "cifar10 images are RGB: set data.channels = 3");
    }
    Split train = split(r, "train", source, classes);
    Split val = split(r, "val", source, classes);
    if (val.path().isEmpty() && !source.equals("synthetic")) {
      // fashion-mnist and cifar10 keep both splits in one directory.
      val = new Split(train.path(), val.perClass(), val.fraction(), val.sizeHint(), val.size());
    }
    return new Data(source, classes, imageSize, channels, train, val);
  }

  private Split split(ConfigReader r, String which, String source, int classes) {
    String p = "data." + which;
    Optional<Path> path = r.optionalString(p + ".path").map(Path::of);
    OptionalInt perClass = r.optionalInteger(p + ".per-class", 1, 10_000_000);
    double fraction = r.number(p + ".fraction", 0, true, 1, false, 1.0);
    OptionalInt sizeHint = r.optionalInteger(p + ".size-hint", 1, Integer.MAX_VALUE);
    boolean needsPath = !source.equals("synthetic");
    if (needsPath && path.isEmpty() && !(which.equals("val") && !source.equals("image-folder"))) {
      r.problem(
          p + ".path", "required for " + source + ": the directory of the " + which + " split");
    }
    if (source.equals("synthetic") && which.equals("train") && perClass.isEmpty()) {
      r.problem(
          p + ".per-class", "required for synthetic: the number of images generated per class");
    }
    if (options.checkData() && needsPath) {
      Optional<Path> dir =
          path.isPresent() ? path : r.optionalString("data.train.path").map(Path::of);
      if (dir.isPresent() && !Files.isDirectory(dir.get())) {
        r.problem(p + ".path", "no such directory: " + dir.get());
      }
    }
    OptionalInt size = OptionalInt.empty();
    if (source.equals("synthetic")) {
      int per = perClass.orElse(0);
      if (which.equals("val") && perClass.isEmpty()) {
        per = Math.max(1, r.optionalInteger("data.train.per-class", 1, 10_000_000).orElse(5) / 5);
      }
      size = OptionalInt.of(classes * (int) Math.floor(per * fraction));
    } else if (BUILT_IN_PER_CLASS.containsKey(source)) {
      int available = BUILT_IN_PER_CLASS.get(source)[which.equals("train") ? 0 : 1];
      int per = Math.min(available, perClass.orElse(available));
      size = OptionalInt.of(classes * (int) Math.floor(per * fraction));
    } else if (sizeHint.isPresent()) {
      size = sizeHint;
    }
    return new Split(path, perClass, fraction, sizeHint, size);
  }

  private static Optional<ArchitectureSpec> architecture(ConfigReader r, Data data, Model model) {
    if (!ArchitectureSpec.NAMES.contains(model.arch())) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          new ArchitectureSpec(
              model.arch(),
              model.width(),
              model.stem() == Stem.SMALL,
              data.channels() == 1 ? 1 : 3,
              data.imageSize(),
              Math.max(2, data.classes())));
    } catch (IllegalArgumentException e) {
      r.problem("model", e.getMessage());
      return Optional.empty();
    }
  }

  private static Optimizer optimizer(ConfigReader r, String p) {
    Optimizer o =
        new Optimizer(
            r.choice(p + ".name", OptimizerName.class, OptimizerName.SGD),
            r.number(p + ".lr", 0, true, 100, false, 0.1),
            r.number(p + ".momentum", 0, false, 1, true, 0.9),
            r.bool(p + ".nesterov", false));
    if (o.name() == OptimizerName.SGD) {
      io.conceptrace.core.probe.ProbeOptimizer.problem(o.momentum(), o.nesterov())
          .ifPresent(m -> r.problem(p + ".nesterov", m));
    }
    return o;
  }

  private static Training training(ConfigReader r) {
    int ensemble = r.integer("training.ensemble", 1, 10_000, 1);
    int epochs = r.integer("training.epochs", 1, 100_000, 1);
    int batch = r.integer("training.batch-size", 1, 1_000_000, 1);
    Optimizer optimizer = optimizer(r, "training.optimizer");
    Schedule schedule =
        new Schedule(
            r.choice("training.schedule.kind", ScheduleKind.class, ScheduleKind.CONSTANT),
            r.integer("training.schedule.peak-epoch", 0, 100_000, 0),
            r.number("training.schedule.start-factor", 0, true, 1, false, 1e-4),
            r.integer("training.schedule.step-every", 1, 100_000, 1),
            r.number("training.schedule.step-factor", 0, true, 1, false, 0.1));
    if (schedule.peakEpoch() > epochs) {
      r.problem(
          "training.schedule.peak-epoch",
          "must not exceed training.epochs (" + epochs + "), got " + schedule.peakEpoch());
    }
    double wd = r.number("training.weight-decay", 0, false, 1, false, 0);
    boolean wdBn = r.bool("training.weight-decay-batchnorm", false);
    double smoothing = r.number("training.label-smoothing", 0, false, 1, true, 0);
    Augmentation aug =
        new Augmentation(
            r.bool("training.augmentation.flip", true),
            r.choice("training.augmentation.crop", Crop.class, Crop.NONE),
            r.integer("training.augmentation.crop-padding", 0, 1024, 0));
    String pr = "training.progressive-resolution";
    ProgressiveResolution res =
        new ProgressiveResolution(
            r.bool(pr + ".enabled", false),
            r.integer(pr + ".min-size", 8, 4096, 160),
            r.integer(pr + ".max-size", 8, 4096, 192),
            r.integer(pr + ".start-epoch", 0, 100_000, 0),
            r.integer(pr + ".end-epoch", 0, 100_000, 0));
    if (res.enabled()) {
      // The trainer's own predicate, so that validation and execution agree.
      io.conceptrace.core.train.ProgressiveResolution.problem(
              res.minSize(), res.maxSize(), res.startEpoch(), res.endEpoch())
          .ifPresent(m -> r.problem(pr + ".min-size", m));
      if (res.endEpoch() > epochs) {
        r.problem(
            pr + ".end-epoch",
            "must not exceed training.epochs (" + epochs + "), got " + res.endEpoch());
      }
    }
    return new Training(
        ensemble, epochs, batch, optimizer, schedule, wd, wdBn, smoothing, aug, res);
  }

  // ---------------------------------------------------------------- concepts

  private Map<String, Concept> concepts(ConfigReader r, Data data) {
    Map<String, Concept> out = new LinkedHashMap<>();
    if (r.type("concepts") != ConfigValueType.OBJECT) {
      r.problem("concepts", "must be an object of named concepts, got " + r.describe("concepts"));
      return out;
    }
    ConfigObject all = r.config().getObject("concepts");
    if (all.isEmpty()) {
      r.problem(
          "concepts",
          "no concepts: define at least one, e.g. concepts.wavy { kind = classes, classes = [snake, worm] }");
    }
    // Sorted by name: HOCON objects do not keep the order of the file.
    for (String name : new TreeSet<>(all.keySet())) {
      if (!(all.get(name) instanceof ConfigObject)) {
        continue; // reported by the key check
      }
      String p = "concepts." + quoteIfNeeded(name);
      if (!NAME.matcher(name).matches()) {
        r.problem(p, "concept names use only letters, digits, '.', '_' and '-'");
      }
      out.put(name, concept(r, name, p, data));
    }
    // Relative concepts refer to others, so check them once all are known.
    for (Concept c : out.values()) {
      if (c.kind() != ConceptKind.RELATIVE) {
        continue;
      }
      String p = "concepts." + quoteIfNeeded(c.name());
      for (Optional<String> side : List.of(c.a(), c.b())) {
        String key = side == c.a() ? ".a" : ".b";
        if (side.isEmpty()) {
          r.problem(p + key, "required for a relative concept: the name of another concept");
        } else if (!out.containsKey(side.get())) {
          r.problem(
              p + key,
              "unknown concept '"
                  + side.get()
                  + "'"
                  + ConfigReader.suggest(side.get(), out.keySet().stream().toList()));
        } else if (out.get(side.get()).kind() == ConceptKind.RELATIVE) {
          r.problem(
              p + key, "'" + side.get() + "' is itself relative; a and b must be plain concepts");
        }
      }
      if (c.a().isPresent() && c.a().equals(c.b())) {
        r.problem(p + ".b", "a and b are the same concept '" + c.a().get() + "'");
      }
    }
    return out;
  }

  private Concept concept(ConfigReader r, String name, String p, Data data) {
    ConceptKind kind = r.choice(p + ".kind", ConceptKind.class, ConceptKind.CLASSES);
    List<Integer> ids = new ArrayList<>();
    List<String> classNames = new ArrayList<>();
    Optional<ScriptBlock> classesScript = Optional.empty();
    Optional<ScriptBlock> script = Optional.empty();
    Optional<Path> positives = r.optionalString(p + ".positives").map(Path::of);
    Optional<Path> testPositives = r.optionalString(p + ".test-positives").map(Path::of);
    switch (kind) {
      case CLASSES -> {
        ConfigReader.ListOrScript list = r.listOrScript(p + ".classes");
        classesScript = list.script();
        List<Object> items = list.items();
        SourcePosition at = r.position(p + ".classes");
        if (classesScript.isPresent()) {
          at = classesScript.get().position();
          items = evaluateList(r, classesScript.get()).orElse(List.of());
        }
        if (classesScript.isEmpty() || scripts.isPresent()) {
          resolveClasses(r, at, p + ".classes", items, data, ids, classNames);
          if (items.isEmpty()
              && (classesScript.isEmpty()
                  || r.problems().stream().noneMatch(x -> x.path().startsWith(p + ".classes")))) {
            r.problemAt(at, p + ".classes", "empty concept: list at least one class");
          } else if (!ids.isEmpty()
              && data.classes() >= 2
              && new LinkedHashSet<>(ids).size() >= data.classes()) {
            r.problemAt(
                at, p + ".classes", "the concept covers every class; no negatives are left");
          }
        }
      }
      case PREDICATE -> {
        script = r.script(p + ".script");
        if (script.isEmpty() || script.get().source().isBlank()) {
          r.problem(
              p + ".script",
              "empty concept: a predicate needs a Kotlin block over image, e.g. highLowContrast(8) > 0.5");
          script = Optional.empty();
        } else {
          compile(r, script.get(), ScriptKind.PREDICATE);
        }
      }
      case FOLDER -> {
        if (positives.isEmpty()) {
          r.problem(
              p + ".positives", "required for a folder concept: the directory of positive images");
        } else if (options.checkData()) {
          checkImageFolder(r, p + ".positives", positives.get());
          testPositives.ifPresent(t -> checkImageFolder(r, p + ".test-positives", t));
        }
      }
      case RELATIVE -> {
        // checked once every concept is known
      }
    }
    return new Concept(
        name,
        kind,
        List.copyOf(ids),
        List.copyOf(classNames),
        classesScript,
        script,
        r.optionalNumber(p + ".threshold"),
        positives,
        testPositives,
        r.number(p + ".test-fraction", 0, true, 1, true, 0.2),
        r.optionalString(p + ".a"),
        r.optionalString(p + ".b"),
        r.optionalInteger(p + ".max-positives", 1, Integer.MAX_VALUE),
        r.optionalInteger(p + ".probe-epochs", 1, 100_000));
  }

  private static void checkImageFolder(ConfigReader r, String path, Path dir) {
    if (!Files.isDirectory(dir)) {
      r.problem(path, "no such directory: " + dir);
      return;
    }
    try (Stream<Path> files = Files.list(dir)) {
      if (files.noneMatch(Files::isRegularFile)) {
        r.problem(path, "empty concept: no image files in " + dir);
      }
    } catch (IOException e) {
      r.problem(path, "cannot list " + dir + ": " + e.getMessage());
    }
  }

  private void resolveClasses(
      ConfigReader r,
      SourcePosition at,
      String path,
      List<Object> items,
      Data data,
      List<Integer> ids,
      List<String> names) {
    Optional<List<String>> known = ClassNames.of(data.source());
    Optional<List<String>> folderNames = Optional.empty();
    if (known.isEmpty() && options.checkData() && data.train().path().isPresent()) {
      folderNames = folderClassNames(data.train().path().get());
    }
    List<String> unknown = new ArrayList<>();
    for (Object item : items) {
      if (item instanceof Number n) {
        double d = n.doubleValue();
        if (d != Math.rint(d) || d < 0 || (data.classes() >= 2 && d >= data.classes())) {
          r.problemAt(
              at,
              path,
              "class id "
                  + n
                  + " is out of range 0.."
                  + (data.classes() - 1)
                  + " for "
                  + data.source());
          continue;
        }
        int id = (int) d;
        ids.add(id);
        names.add(known.map(k -> k.get(id)).orElse(Integer.toString(id)));
      } else if (item instanceof String s) {
        List<String> candidates = known.orElse(List.of());
        if (known.isPresent() && candidates.contains(s)) {
          ids.add(candidates.indexOf(s));
          names.add(s);
        } else if (known.isEmpty() && s.matches("\\d+")) {
          resolveClasses(r, at, path, List.of(Integer.parseInt(s)), data, ids, names);
        } else if (known.isEmpty()) {
          if (folderNames.isPresent()) {
            int id = folderNames.get().indexOf(s);
            if (id < 0) {
              unknown.add(s);
            } else {
              ids.add(id);
              names.add(s);
            }
          } else if (options.checkData()) {
            unknown.add(s);
          } else {
            // image-folder names are known only from the data; checked by `ctrace run`.
            names.add(s);
          }
        } else {
          r.problemAt(
              at,
              path,
              "unknown class '"
                  + s
                  + "' for "
                  + data.source()
                  + ConfigReader.suggest(s, candidates)
                  + (Suggestions.nearest(s, candidates).isPresent()
                      ? ""
                      : "; known: " + String.join(", ", candidates)));
        }
      } else {
        r.problemAt(at, path, "a class must be a name or an id, got " + item);
      }
    }
    if (!unknown.isEmpty()) {
      r.problemAt(
          at,
          path,
          "unknown class folder(s) "
              + String.join(", ", unknown)
              + " in "
              + data.train().path().map(Path::toString).orElse("the data"));
    }
  }

  private static Optional<List<String>> folderClassNames(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return Optional.of(
          children
              .filter(Files::isDirectory)
              .map(x -> x.getFileName().toString())
              .sorted()
              .toList());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  // ---------------------------------------------------------------- probes, attribution, prune

  private Probes probes(ConfigReader r, Optional<ArchitectureSpec> spec) {
    ConfigReader.ListOrScript layerList = r.listOrScript("probes.layers");
    List<Object> layerItems = layerList.items();
    SourcePosition layersAt = r.position("probes.layers");
    if (layerList.script().isPresent()) {
      layersAt = layerList.script().get().position();
      layerItems = evaluateList(r, layerList.script().get()).orElse(List.of());
    }
    List<String> layers = new ArrayList<>();
    boolean layersKnown = layerList.script().isEmpty() || scripts.isPresent();
    for (Object o : layerItems) {
      if (!(o instanceof String s)) {
        r.problemAt(layersAt, "probes.layers", "a layer must be a name, got " + o);
        continue;
      }
      if (layers.contains(s)) {
        r.problemAt(layersAt, "probes.layers", "layer " + s + " is listed twice");
        continue;
      }
      if (spec.isPresent() && LayerCatalog.find(spec.get(), s).isEmpty()) {
        r.problemAt(layersAt, "probes.layers", unknownLayer(s, spec.get()));
        continue;
      }
      layers.add(s);
    }
    if (layersKnown
        && layerItems.isEmpty()
        && r.problems().stream().noneMatch(x -> x.path().startsWith("probes.layers"))) {
      r.problemAt(layersAt, "probes.layers", "no layers: list at least one layer to probe");
    }

    ConfigReader.ListOrScript sparsityList = r.listOrScript("probes.sparsity");
    List<Object> sparsityItems = sparsityList.items();
    SourcePosition sparsityAt = r.position("probes.sparsity");
    if (sparsityList.script().isPresent()) {
      sparsityAt = sparsityList.script().get().position();
      sparsityItems = evaluateList(r, sparsityList.script().get()).orElse(List.of());
    }
    Activations activations = r.choice("probes.activations", Activations.class, Activations.FLAT);
    List<Sparsity> sparsity = sparsities(r, sparsityAt, "probes.sparsity", sparsityItems);
    if ((sparsityList.script().isEmpty() || scripts.isPresent())
        && sparsityItems.isEmpty()
        && !r.hasProblem("probes.sparsity")) {
      r.problemAt(sparsityAt, "probes.sparsity", "empty: list dense and/or sparsities k");
    }
    if (spec.isPresent()) {
      for (String layer : layers) {
        LayerInfo info = LayerCatalog.find(spec.get(), layer).orElseThrow();
        long width = activations == Activations.FLAT ? info.flatSize() : info.channels();
        for (Sparsity s : sparsity) {
          if (s.dense()) {
            continue;
          }
          // The probe trainer's own predicate, so that validation and execution agree.
          Optional<String> problem =
              io.conceptrace.core.probe.ProbeSpec.sparsityProblem(s.k(), width, layer);
          if (problem.isPresent()) {
            r.problemAt(
                sparsityAt,
                "probes.sparsity",
                problem.get()
                    + (activations == Activations.FLAT
                        ? "; flattened activations, shape "
                            + java.util.Arrays.toString(info.shape())
                        : "; pooled channels"));
          }
        }
      }
    }
    return new Probes(
        List.copyOf(layers),
        scripts.isPresent() ? Optional.empty() : layerList.script(),
        sparsity,
        scripts.isPresent() ? Optional.empty() : sparsityList.script(),
        r.integer("probes.epochs", 1, 100_000, 1),
        r.integer("probes.batch-size", 1, 1_000_000, 1),
        optimizer(r, "probes.optimizer"),
        r.number("probes.weight-decay", 0, false, 1, false, 0),
        r.bool("probes.augmentation", true),
        activations);
  }

  private static String unknownLayer(String name, ArchitectureSpec spec) {
    List<String> all = LayerCatalog.names(spec);
    String hint = Suggestions.nearest(name, all).map(s -> "did you mean " + s + "? ").orElse("");
    return "unknown layer '"
        + name
        + "' for "
        + spec.name()
        + "; "
        + hint
        + "probeable layers: "
        + String.join(", ", LayerCatalog.probeableSummary(spec))
        + " (and their .convN/.bnN parts)";
  }

  private static List<Sparsity> sparsities(
      ConfigReader r, SourcePosition at, String path, List<Object> items) {
    Set<Sparsity> out = new LinkedHashSet<>();
    for (Object o : items) {
      Sparsity s = null;
      if ("dense".equals(o)) {
        s = Sparsity.DENSE;
      } else if (o instanceof Number n
          && n.doubleValue() == Math.rint(n.doubleValue())
          && n.doubleValue() >= 1
          && n.doubleValue() < Integer.MAX_VALUE) {
        s = new Sparsity(n.intValue());
      } else if (o instanceof String str && str.matches("\\d+") && !str.equals("0")) {
        s = new Sparsity(Integer.parseInt(str));
      }
      if (s == null) {
        r.problemAt(at, path, "a sparsity must be dense or an integer k >= 1, got " + o);
      } else if (!out.add(s)) {
        r.problemAt(at, path, "sparsity " + s.label() + " is listed twice");
      }
    }
    return List.copyOf(out);
  }

  private static Attribution attribution(
      ConfigReader r, Training training, Optional<ArchitectureSpec> spec) {
    List<String> methods = new ArrayList<>();
    List<Object> named =
        r.type("attribution.method") == ConfigValueType.LIST
            ? new ArrayList<>(r.config().getList("attribution.method").unwrapped())
            : List.of(r.string("attribution.method", "trak"));
    for (Object o : named) {
      String m = String.valueOf(o);
      if (!Attribution.METHODS.contains(m)) {
        r.problem(
            "attribution.method",
            "unknown method '"
                + m
                + "'; use "
                + String.join(", ", Attribution.METHODS)
                + " or a list of them"
                + Suggestions.nearest(m, Attribution.METHODS)
                    .map(x -> " (did you mean " + x + "?)")
                    .orElse(""));
      } else if (methods.contains(m)) {
        r.problem("attribution.method", "method " + m + " is listed twice");
      } else {
        methods.add(m);
      }
    }
    if (methods.isEmpty() && !r.hasProblem("attribution.method")) {
      r.problem("attribution.method", "empty: name at least one method, e.g. trak");
    }
    if (methods.isEmpty()) {
      methods.add("trak");
    }
    int pseudo = r.integer("attribution.pseudo-labels", 0, Integer.MAX_VALUE, 0);
    if (pseudo >= training.ensemble()) {
      r.problem(
          "attribution.pseudo-labels",
          "must name an ensemble member 0.." + (training.ensemble() - 1) + ", got " + pseudo);
      pseudo = 0;
    }
    Targets targets = r.choice("attribution.targets", Targets.class, Targets.CONCEPT_TEST);
    TargetLabels targetLabels =
        r.choice("attribution.target-labels", TargetLabels.class, TargetLabels.PROBE);
    if (targetLabels == TargetLabels.CONCEPT && targets == Targets.VAL) {
      r.problem(
          "attribution.target-labels",
          "concept labels exist only for targets = concept-test; use probe with targets = val");
    }
    List<String> groups = new ArrayList<>();
    if (r.type("attribution.parameter-groups") != ConfigValueType.LIST) {
      r.problem(
          "attribution.parameter-groups",
          "must be a list, got "
              + (r.isNull("attribution.parameter-groups")
                  ? "null"
                  : r.describe("attribution.parameter-groups")));
    } else {
      for (ConfigValue v : r.config().getList("attribution.parameter-groups")) {
        String g = String.valueOf(v.unwrapped());
        boolean ok = g.equals("all") || g.equals("probe");
        if (!ok && spec.isPresent()) {
          ok =
              LayerCatalog.names(spec.get()).stream()
                  .anyMatch(n -> n.equals(g) || n.startsWith(g + "."));
        }
        if (!ok && spec.isPresent()) {
          r.problem(
              "attribution.parameter-groups",
              "unknown parameter group '"
                  + g
                  + "'; use all, probe, or a module name such as layer3");
        } else {
          groups.add(g);
        }
      }
      if (groups.isEmpty()
          && r.problems().stream()
              .noneMatch(p -> p.path().equals("attribution.parameter-groups"))) {
        r.problem(
            "attribution.parameter-groups",
            "empty: use [all] to attribute through every parameter");
      }
    }
    return new Attribution(
        methods,
        r.integer("attribution.projection-dim", 1, 1 << 24, 1),
        r.integer("attribution.projections", 1, 1024, 1),
        r.choice("attribution.projection", Projection.class, Projection.GAUSSIAN),
        r.number("attribution.lambda", 0, false, Double.POSITIVE_INFINITY, true, 0),
        targets,
        targetLabels,
        pseudo,
        List.copyOf(groups),
        r.choice("attribution.kernel-mode", KernelMode.class, KernelMode.REFERENCE),
        r.integer("attribution.batch-size", 1, 1_000_000, 1));
  }

  private Prune prune(ConfigReader r, Data data, Probes probes, Map<String, Concept> concepts) {
    ConfigReader.ListOrScript sizeList = r.listOrScript("prune.sizes");
    List<Object> items = sizeList.items();
    SourcePosition at = r.position("prune.sizes");
    if (sizeList.script().isPresent()) {
      at = sizeList.script().get().position();
      items = evaluateList(r, sizeList.script().get()).orElse(List.of());
    }
    List<Integer> sizes = new ArrayList<>();
    OptionalInt trainSize = data.train().size();
    for (Object o : items) {
      if (!(o instanceof Number n)
          || n.doubleValue() != Math.rint(n.doubleValue())
          || n.doubleValue() < 1
          || n.doubleValue() > Integer.MAX_VALUE) {
        r.problemAt(at, "prune.sizes", "a prune size must be an integer >= 1, got " + o);
        continue;
      }
      int k = n.intValue();
      if (trainSize.isPresent() && k >= trainSize.getAsInt()) {
        r.problemAt(
            at,
            "prune.sizes",
            "prune size "
                + k
                + " is not smaller than the training set ("
                + trainSize.getAsInt()
                + " images)");
        continue;
      }
      if (sizes.contains(k)) {
        r.problemAt(at, "prune.sizes", "prune size " + k + " is listed twice");
        continue;
      }
      sizes.add(k);
    }
    List<Arm> arms = new ArrayList<>();
    if (r.type("prune.arms") != ConfigValueType.LIST) {
      r.problem("prune.arms", "must be a list of top, random, bottom");
    } else {
      for (ConfigValue v : r.config().getList("prune.arms")) {
        String a = String.valueOf(v.unwrapped());
        Optional<Arm> arm =
            Stream.of(Arm.values()).filter(x -> ConfigReader.word(x).equals(a)).findFirst();
        if (arm.isEmpty()) {
          r.problemAt(
              ConfigReader.position(v),
              "prune.arms",
              "unknown arm '"
                  + a
                  + "'; arms are top, random, bottom"
                  + ConfigReader.suggest(a, List.of("top", "random", "bottom")));
        } else if (arms.contains(arm.get())) {
          r.problemAt(ConfigReader.position(v), "prune.arms", "arm " + a + " is listed twice");
        } else {
          arms.add(arm.get());
        }
      }
    }
    boolean pruning = !sizes.isEmpty() || sizeList.script().isPresent();
    Optional<String> layer = r.optionalString("prune.layer");
    if (pruning && layer.isEmpty()) {
      r.problem(
          "prune.layer",
          "required when prune.sizes is set: the layer whose attributions choose the images (the paper: layer3)");
    } else if (pruning && !probes.layers().isEmpty() && !probes.layers().contains(layer.get())) {
      r.problem(
          "prune.layer",
          "layer "
              + layer.get()
              + " is not probed; probes.layers = ["
              + String.join(", ", probes.layers())
              + "]");
    }
    if (pruning
        && arms.isEmpty()
        && r.problems().stream().noneMatch(p -> p.path().equals("prune.arms"))) {
      r.problem("prune.arms", "empty: list at least one of top, random, bottom");
    }
    List<Sparsity> sparsity = new ArrayList<>();
    if (r.type("prune.sparsity") != ConfigValueType.LIST) {
      r.problem("prune.sparsity", "must be a list, e.g. [dense]");
    } else {
      List<Object> raw = new ArrayList<>();
      r.config().getList("prune.sparsity").forEach(v -> raw.add(v.unwrapped()));
      SourcePosition sAt = r.position("prune.sparsity");
      for (Sparsity s : sparsities(r, sAt, "prune.sparsity", raw)) {
        if (!probes.sparsity().isEmpty() && !probes.sparsity().contains(s)) {
          r.problemAt(
              sAt, "prune.sparsity", "sparsity " + s.label() + " is not in probes.sparsity");
        } else {
          sparsity.add(s);
        }
      }
    }
    List<String> pruneConcepts = new ArrayList<>();
    if (r.type("prune.concepts") != ConfigValueType.LIST) {
      r.problem("prune.concepts", "must be a list of concept names");
    } else {
      for (Object o : r.config().getList("prune.concepts").unwrapped()) {
        String s = String.valueOf(o);
        if (!concepts.containsKey(s)) {
          r.problem(
              "prune.concepts",
              "unknown concept '"
                  + s
                  + "'"
                  + ConfigReader.suggest(s, List.copyOf(concepts.keySet())));
        } else {
          pruneConcepts.add(s);
        }
      }
    }
    if (pruneConcepts.isEmpty()) {
      pruneConcepts.addAll(concepts.keySet());
    }
    return new Prune(
        List.copyOf(sizes),
        scripts.isPresent() ? Optional.empty() : sizeList.script(),
        List.copyOf(arms),
        layer,
        List.copyOf(sparsity),
        List.copyOf(pruneConcepts),
        r.integer("prune.retrain-ensemble", 1, 10_000, 1));
  }

  private static Execution execution(ConfigReader r) {
    String device = r.string("execution.device", "cpu");
    if (!DEVICE.matcher(device).matches()) {
      r.problem("execution.device", "must be cpu, gpu or gpu:N, got '" + device + "'");
    }
    String executor = r.string("execution.executor", "local");
    if (!EXECUTORS.contains(executor)) {
      r.problem(
          "execution.executor",
          "must be one of "
              + String.join(", ", EXECUTORS)
              + ", got '"
              + executor
              + "'"
              + ConfigReader.suggest(executor, EXECUTORS));
    }
    return new Execution(
        device,
        r.integer("execution.jobs", 0, 4096, 0),
        r.integer("execution.threads", 0, 4096, 0),
        Path.of(r.string("execution.store", "runs")),
        executor,
        slurm(r));
  }

  private static final List<String> EXECUTORS = List.of("local", "slurm");

  /** Slurm's names: partitions and accounts. */
  private static final Pattern SLURM_NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

  /** Slurm's time formats: minutes[:seconds], h:m:s, days-h[:m[:s]]. */
  private static final Pattern SLURM_TIME =
      Pattern.compile("\\d+(:\\d{1,2}){0,2}|\\d+-\\d{1,2}(:\\d{1,2}){0,2}");

  /** Slurm's memory sizes: a number with an optional K, M, G or T suffix. */
  private static final Pattern SLURM_MEM = Pattern.compile("\\d+[KMGTkmgt]?");

  private static Experiment.Slurm slurm(ConfigReader r) {
    Optional<String> partition =
        slurmWord(r, "execution.slurm.partition", SLURM_NAME, "a partition name");
    Optional<String> account =
        slurmWord(r, "execution.slurm.account", SLURM_NAME, "an account name");
    Optional<String> time =
        slurmWord(
            r,
            "execution.slurm.time",
            SLURM_TIME,
            "a Slurm time limit such as 30, 2:00:00 or 1-12:00:00");
    Optional<String> mem =
        slurmWord(r, "execution.slurm.mem", SLURM_MEM, "a Slurm memory size such as 8G or 16000M");
    List<String> extra = new ArrayList<>();
    String extraPath = "execution.slurm.extra-args";
    if (!r.isNull(extraPath)) {
      if (r.type(extraPath) != ConfigValueType.LIST) {
        r.problem(extraPath, "must be a list of sbatch options, got " + r.describe(extraPath));
      } else {
        List<? extends ConfigValue> items = r.config().getList(extraPath);
        for (int i = 0; i < items.size(); i++) {
          ConfigValue v = items.get(i);
          String arg = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : "";
          if (!arg.startsWith("-") || arg.contains("\n") || arg.contains("\r")) {
            r.problemAt(
                ConfigReader.position(v.origin()),
                extraPath + "[" + i + "]",
                "must be one sbatch option starting with '-' (e.g. \"--qos=short\"), got "
                    + v.render());
          } else {
            extra.add(arg);
          }
        }
      }
    }
    return new Experiment.Slurm(
        partition,
        account,
        time,
        r.integer("execution.slurm.cpus-per-task", 1, 4096, 1),
        mem,
        r.integer("execution.slurm.gpus-per-task", 0, 64, 0),
        List.copyOf(extra));
  }

  private static Optional<String> slurmWord(
      ConfigReader r, String path, Pattern format, String what) {
    if (!r.isNull(path) && r.type(path) == ConfigValueType.NUMBER) {
      // `time = 30` (minutes) is natural to write unquoted.
      return Optional.of(r.config().getValue(path).unwrapped().toString())
          .filter(s -> checkSlurmWord(r, path, s, format, what));
    }
    return r.optionalString(path).filter(s -> checkSlurmWord(r, path, s, format, what));
  }

  private static boolean checkSlurmWord(
      ConfigReader r, String path, String value, Pattern format, String what) {
    if (format.matcher(value).matches()) {
      return true;
    }
    r.problem(path, "must be " + what + ", got '" + value + "'");
    return false;
  }

  // ---------------------------------------------------------------- scripts

  private void compile(ConfigReader r, ScriptBlock block, ScriptKind kind) {
    if (scripts.isEmpty()) {
      return;
    }
    try {
      scripts.get().check(block, kind);
    } catch (ScriptException e) {
      r.problems().addAll(e.problems());
    }
  }

  private Optional<List<Object>> evaluateList(ConfigReader r, ScriptBlock block) {
    if (scripts.isEmpty()) {
      return Optional.empty();
    }
    try {
      Object v = scripts.get().value(block);
      if (v instanceof List<?> list) {
        List<Object> out = new ArrayList<>();
        for (Object o : list) {
          out.add(o instanceof Character ch ? ch.toString() : o);
        }
        return Optional.of(out);
      }
      r.problemAt(
          block.position(),
          block.path(),
          "the Kotlin block must return a list, got "
              + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    } catch (ScriptException e) {
      r.problems().addAll(e.problems());
    }
    return Optional.empty();
  }
}
