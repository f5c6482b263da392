package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ActivationConcept;
import io.conceptrace.core.concept.ActivationConcept.Combine;
import io.conceptrace.core.data.ClassNames;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.core.nn.NetworkFiles;
import io.conceptrace.dsl.Experiment.Activation;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Reference;
import io.conceptrace.dsl.ListReader.Element;
import io.conceptrace.dsl.ListReader.Form;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Binds {@code concepts.<name>.*} (the keys of {@code concept-defaults.conf}): each concept's
 * positives, resolved against the data's class names, and the relative concepts' references.
 */
final class ConceptsBinder {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  /** The keys of a concept's {@code reference} object that name a file. */
  private static final List<String> REFERENCE_FILES = List.of("checkpoint", "torchscript");

  private final ConfigReader r;
  private final ListReader lists;
  private final Blocks blocks;
  private final Data data;
  private final boolean checkData;
  private final Optional<ArchitectureSpec> architecture;
  private final int ensemble;
  private final Path experimentFile;

  /**
   * @param checkData whether folders (and TorchScript references) must exist and image-folder class
   *     names are looked up
   * @param architecture the base models' architecture, whose layer catalogue an activation
   *     concept's {@code train-base[i]} reference is checked against (empty after a model problem)
   * @param ensemble {@code training.ensemble}: the base models a reference may name
   * @param experimentFile the experiment file, which a reference file's relative name written
   *     outside any file ({@code --set}, the environment) is relative to ({@link WrittenPath})
   */
  ConceptsBinder(
      ConfigReader r,
      ListReader lists,
      Blocks blocks,
      Data data,
      boolean checkData,
      Optional<ArchitectureSpec> architecture,
      int ensemble,
      Path experimentFile) {
    this.r = r;
    this.lists = lists;
    this.blocks = blocks;
    this.data = data;
    this.checkData = checkData;
    this.architecture = architecture;
    this.ensemble = ensemble;
    this.experimentFile = experimentFile;
  }

  /** Every concept, sorted by name (HOCON objects do not keep the order of the file). */
  Map<String, Concept> bind() {
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
    for (String name : new TreeSet<>(all.keySet())) {
      if (!(all.get(name) instanceof ConfigObject)) {
        continue; // reported by the key check
      }
      String p = path(name);
      if (!NAME.matcher(name).matches()) {
        r.problem(p, "concept names use only letters, digits, '.', '_' and '-'");
      }
      out.put(name, concept(name, p));
    }
    // Relative concepts refer to others, so check them once all are known.
    for (Concept c : out.values()) {
      if (c.kind() == ConceptKind.RELATIVE) {
        checkRelative(c, out);
      }
    }
    return out;
  }

  static String path(String name) {
    return "concepts." + UnknownKeys.quoteIfNeeded(name);
  }

  private void checkRelative(Concept c, Map<String, Concept> all) {
    String p = path(c.name());
    for (Optional<String> side : List.of(c.a(), c.b())) {
      String key = side == c.a() ? ".a" : ".b";
      if (side.isEmpty()) {
        r.problem(p + key, "required for a relative concept: the name of another concept");
      } else if (!all.containsKey(side.get())) {
        r.problem(
            p + key,
            "unknown concept '"
                + side.get()
                + "'"
                + ConfigReader.suggest(side.get(), all.keySet().stream().toList()));
      } else if (all.get(side.get()).kind() == ConceptKind.RELATIVE) {
        r.problem(
            p + key, "'" + side.get() + "' is itself relative; a and b must be plain concepts");
      }
    }
    if (c.a().isPresent() && c.a().equals(c.b())) {
      r.problem(p + ".b", "a and b are the same concept '" + c.a().get() + "'");
    }
  }

  private Concept concept(String name, String p) {
    // kind has no default: a concept must say what it is. After that problem its other keys are
    // checked as those of a classes concept.
    ConceptKind kind = r.requiredChoice(p + ".kind", ConceptKind.class).orElse(ConceptKind.CLASSES);
    List<Integer> ids = new ArrayList<>();
    List<String> classNames = new ArrayList<>();
    Optional<ScriptBlock> classesScript = Optional.empty();
    Optional<ScriptBlock> script = Optional.empty();
    Optional<Path> positives = r.optionalString(p + ".positives").map(Path::of);
    Optional<Path> testPositives = r.optionalString(p + ".test-positives").map(Path::of);
    Optional<Activation> activation = Optional.empty();
    switch (kind) {
      case CLASSES -> {
        ListReader.Read<ClassRef> classes = classes(p + ".classes");
        classesScript = classes.script();
        for (ClassRef c : classes.items()) {
          c.id().ifPresent(ids::add);
          classNames.add(c.name());
        }
        if (classes.known()) {
          lists.requireNonEmpty(classes, p + ".classes", "empty concept: list at least one class");
          if (!ids.isEmpty()
              && data.classes() >= 2
              && new LinkedHashSet<>(ids).size() >= data.classes()) {
            r.problemAt(
                classes.at(),
                p + ".classes",
                "the concept covers every class; no negatives are left");
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
          blocks.compile(r, script.get(), ScriptKind.PREDICATE);
        }
      }
      case FOLDER -> {
        if (positives.isEmpty()) {
          r.problem(
              p + ".positives", "required for a folder concept: the directory of positive images");
        } else if (checkData) {
          checkImageFolder(p + ".positives", positives.get());
          testPositives.ifPresent(t -> checkImageFolder(p + ".test-positives", t));
        }
      }
      case RELATIVE -> {
        // checked once every concept is known
      }
      case ACTIVATION -> activation = activation(p);
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
        r.number(p + ".test-fraction", 0, true, 1, true),
        r.optionalString(p + ".a"),
        r.optionalString(p + ".b"),
        r.optionalInteger(p + ".max-positives", 1, Integer.MAX_VALUE),
        r.optionalInteger(p + ".probe-epochs", 1, 100_000),
        activation);
  }

  private static final Pattern BASE_MODEL = Pattern.compile("train-base\\[(\\d+)]");

  /**
   * An activation concept's keys: its reference, layer, channels (checked against the layer's
   * channel count where it is known before the run), how they combine, and a fraction that leaves
   * positives in both splits.
   */
  private Optional<Activation> activation(String p) {
    Optional<Reference> reference = reference(p + ".reference");
    Combine combine = r.choice(p + ".combine", Combine.class);
    OptionalDouble fraction = OptionalDouble.empty();
    if (r.isNull(p + ".fraction")) {
      r.problem(
          p + ".fraction", "required for an activation concept: the share of positives, in (0, 1)");
    } else {
      double f = r.number(p + ".fraction", 0, true, 1, true);
      if (!r.hasProblem(p + ".fraction")) {
        fraction = OptionalDouble.of(f);
        checkFraction(p + ".fraction", f, data.train().size(), "training");
        checkFraction(p + ".fraction", f, data.val().size(), "validation");
      }
    }
    // The layer's channel count, where the reference says it before the run.
    OptionalInt channelCount = OptionalInt.empty();
    String layer = "";
    Optional<String> writtenLayer = r.optionalString(p + ".layer");
    if (reference.isPresent()
        && (reference.get() instanceof Reference.BaseModel
            || reference.get() instanceof Reference.Checkpoint)) {
      if (writtenLayer.isEmpty()) {
        r.problem(
            p + ".layer",
            "required for a "
                + (reference.get() instanceof Reference.BaseModel ? "train-base" : "checkpoint")
                + " reference: the layer whose channels define the concept");
      } else {
        layer = writtenLayer.get();
        if (architecture.isPresent()) {
          ArchitectureSpec arch = architecture.get();
          Optional<LayerInfo> info = LayerCatalog.find(arch, layer);
          List<String> names = LayerCatalog.names(arch);
          if (info.isEmpty()) {
            r.problem(
                p + ".layer",
                "unknown layer '"
                    + layer
                    + "' for "
                    + arch.name()
                    + (Suggestions.nearest(layer, names).isPresent()
                        ? ConfigReader.suggest(layer, names)
                        : "; probeable: "
                            + String.join(", ", LayerCatalog.probeableSummary(arch))));
          } else if (info.get().shape().length != 3) {
            r.problem(
                p + ".layer",
                "layer "
                    + layer
                    + " has no spatial map ("
                    + info.get()
                    + "); an activation concept needs a [channels, height, width] layer");
          } else {
            channelCount = OptionalInt.of(info.get().channels());
          }
        }
      }
    } else if (reference.isPresent() && reference.get() instanceof Reference.TorchScript ts) {
      layer = ts.layerOutput();
      if (writtenLayer.isPresent() && !writtenLayer.get().equals(layer)) {
        r.problem(
            p + ".layer",
            "a TorchScript reference's layer is its output, reference.layer-output = "
                + layer
                + "; leave layer out");
      }
    }
    OptionalInt count = channelCount;
    ListReader.Read<Integer> channels =
        lists.readDistinct(
            p + ".channels",
            Form.LIST,
            "channel indices",
            (e, problem) -> channel(e, problem, count, p),
            c -> "channel " + c);
    lists.requireNonEmpty(
        channels, p + ".channels", "no channels: list the neurons that define the concept");
    if (reference.isEmpty()
        || fraction.isEmpty()
        || channels.items().isEmpty()
        || r.hasProblem(p + ".layer")
        || r.hasProblem(p + ".channels")) {
      return Optional.empty();
    }
    return Optional.of(
        new Activation(reference.get(), layer, channels.items(), combine, fraction.getAsDouble()));
  }

  private Optional<Integer> channel(
      Element e, Consumer<String> problem, OptionalInt count, String p) {
    if (!(e.value() instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < 0) {
      problem.accept("a channel is an index >= 0, got " + e.written());
      return Optional.empty();
    }
    int c = n.intValue();
    if (count.isPresent() && c >= count.getAsInt()) {
      problem.accept(
          "channel "
              + c
              + " is out of range for "
              + r.optionalString(p + ".layer").orElse("the layer")
              + " (0.."
              + (count.getAsInt() - 1)
              + ")");
      return Optional.empty();
    }
    return Optional.of(c);
  }

  private void checkFraction(String path, double f, OptionalInt size, String split) {
    if (size.isPresent() && ActivationConcept.positivesFor(size.getAsInt(), f) < 1) {
      r.problem(
          path,
          "fraction "
              + ConfigReader.fmt(f)
              + " of the "
              + size.getAsInt()
              + " "
              + split
              + " images leaves no positives; raise it to at least "
              + ConfigReader.fmt(1.0 / size.getAsInt()));
    }
  }

  /**
   * {@code "train-base[i]"}, {@code { torchscript = PATH, layer-output = NAME }} or {@code {
   * checkpoint = PATH }}.
   */
  private Optional<Reference> reference(String path) {
    String expected =
        "\"train-base[i]\" (a base model of this study), { torchscript = PATH, layer-output ="
            + " NAME } or { checkpoint = PATH }";
    if (r.isNull(path)) {
      r.problem(path, "required for an activation concept: " + expected);
      return Optional.empty();
    }
    if (r.type(path) == ConfigValueType.STRING) {
      String written = r.config().getString(path);
      java.util.regex.Matcher m = BASE_MODEL.matcher(written);
      if (!m.matches()) {
        r.problem(path, "must be " + expected + ", got '" + written + "'");
        return Optional.empty();
      }
      int member = Integer.parseInt(m.group(1));
      if (member >= ensemble) {
        r.problem(
            path,
            "train-base["
                + member
                + "] does not exist: training.ensemble = "
                + ensemble
                + " (members 0.."
                + (ensemble - 1)
                + ")");
        return Optional.empty();
      }
      return Optional.of(new Reference.BaseModel(member));
    }
    if (r.type(path) != ConfigValueType.OBJECT) {
      r.problem(path, "must be " + expected + ", got " + r.describe(path));
      return Optional.empty();
    }
    if (r.config().getObject(path).containsKey("checkpoint")) {
      return checkpointReference(path);
    }
    for (String key : r.config().getObject(path).keySet()) {
      if (!key.equals("torchscript") && !key.equals("layer-output")) {
        r.problemAt(
            ConfigReader.position(r.config().getObject(path).get(key)),
            path + "." + UnknownKeys.quoteIfNeeded(key),
            "unknown key; a reference has torchscript and layer-output, or checkpoint");
      }
    }
    Optional<String> file = r.requiredString(path + ".torchscript");
    Optional<String> output = r.requiredString(path + ".layer-output");
    if (file.isEmpty() || output.isEmpty()) {
      return Optional.empty();
    }
    // Relative to the file that writes the key, as model.checkpoints' paths are.
    Path module = WrittenPath.resolve(r.config().getValue(path + ".torchscript"), experimentFile);
    Optional<String> sha256 = Optional.empty();
    if (Files.isRegularFile(module)) {
      try {
        sha256 = Optional.of(NetworkFiles.contentHash(module));
      } catch (BadInputException e) {
        r.problem(path + ".torchscript", e.getMessage());
        return Optional.empty();
      }
    } else if (checkData) {
      r.problem(path + ".torchscript", "no such TorchScript file: " + module);
      return Optional.empty();
    }
    return Optional.of(new Reference.TorchScript(module, output.get(), sha256));
  }

  /**
   * {@code merged} with every activation concept's {@code reference.checkpoint} and {@code
   * reference.torchscript} as the absolute path it names now, for a text read from elsewhere
   * ({@link ExperimentLoader#resolvedText}, the Slurm snapshot): a relative name is relative to the
   * file that wrote it, which the text no longer is. Anything malformed is left for the load to
   * report.
   */
  static Config absoluteReferenceFiles(Config merged, Path experimentFile) {
    if (!merged.hasPath("concepts")
        || merged.getValue("concepts").valueType() != ConfigValueType.OBJECT) {
      return merged;
    }
    Config out = merged;
    for (String name : merged.getObject("concepts").keySet()) {
      ConfigValue concept = merged.getObject("concepts").get(name);
      if (!(concept instanceof ConfigObject c)
          || !(c.get("reference") instanceof ConfigObject reference)) {
        continue;
      }
      for (String key : REFERENCE_FILES) {
        ConfigValue value = reference.get(key);
        if (value == null || value.valueType() != ConfigValueType.STRING) {
          continue;
        }
        out =
            out.withValue(
                ConfigUtil.joinPath("concepts", name, "reference", key),
                ConfigValueFactory.fromAnyRef(
                    WrittenPath.absolute(value, experimentFile).toString(),
                    value.origin().description()));
      }
    }
    return out;
  }

  /**
   * {@code { checkpoint = PATH }}: a safetensors file of the study's architecture. Where the file
   * is there, validate reads its header and values with the same checks as {@code
   * model.checkpoints} (keys, shapes, dtype, NaN), so a wrong file fails before any cell runs.
   */
  private Optional<Reference> checkpointReference(String path) {
    for (String key : r.config().getObject(path).keySet()) {
      if (!key.equals("checkpoint")) {
        r.problemAt(
            ConfigReader.position(r.config().getObject(path).get(key)),
            path + "." + UnknownKeys.quoteIfNeeded(key),
            "unknown key; a checkpoint reference has only checkpoint (its architecture is the"
                + " study's model.*)");
      }
    }
    Optional<String> file = r.requiredString(path + ".checkpoint");
    if (file.isEmpty() || architecture.isEmpty()) {
      return Optional.empty();
    }
    // Relative to the file that writes the key, as model.checkpoints' paths are.
    Path weights = WrittenPath.resolve(r.config().getValue(path + ".checkpoint"), experimentFile);
    Optional<String> sha256 = Optional.empty();
    if (Files.isRegularFile(weights)) {
      try {
        NetworkFiles.checkSafetensors(weights, architecture.get());
        sha256 = Optional.of(NetworkFiles.contentHash(weights));
      } catch (BadInputException e) {
        r.problem(path + ".checkpoint", e.getMessage());
        return Optional.empty();
      }
    } else if (checkData) {
      r.problem(path + ".checkpoint", "no such checkpoint file: " + weights);
      return Optional.empty();
    }
    return Optional.of(new Reference.Checkpoint(weights, architecture.get(), sha256));
  }

  /**
   * One entry of {@code classes}: its class id, when known, and its name. An image-folder class
   * named before the data is read has no id yet ({@code ctrace run} resolves it).
   */
  private record ClassRef(Optional<Integer> id, String name) {}

  private ListReader.Read<ClassRef> classes(String path) {
    Optional<List<String>> known = ClassNames.of(data.source());
    Optional<List<String>> folderNames = Optional.empty();
    if (known.isEmpty() && checkData && data.train().path().isPresent()) {
      folderNames = folderClassNames(data.train().path().get());
    }
    Optional<List<String>> folders = folderNames;
    List<String> unknownFolders = new ArrayList<>();
    ListReader.Read<ClassRef> read =
        lists.read(
            path,
            Form.LIST_OR_SCRIPT,
            "class names or ids",
            (e, problem) -> classRef(e, problem, known, folders, unknownFolders));
    if (read.known() && !unknownFolders.isEmpty()) {
      r.problemAt(
          read.at(),
          path,
          "unknown class folder(s) "
              + String.join(", ", unknownFolders)
              + " in "
              + data.train().path().map(Path::toString).orElse("the data"));
    }
    return read;
  }

  private Optional<ClassRef> classRef(
      Element e,
      Consumer<String> problem,
      Optional<List<String>> known,
      Optional<List<String>> folders,
      List<String> unknownFolders) {
    if (e.value() instanceof Number n) {
      return classId(n, problem, known);
    }
    if (!(e.value() instanceof String s)) {
      problem.accept("a class must be a name or an id, got " + e.value());
      return Optional.empty();
    }
    if (known.isPresent()) {
      List<String> candidates = known.get();
      if (candidates.contains(s)) {
        return Optional.of(new ClassRef(Optional.of(candidates.indexOf(s)), s));
      }
      problem.accept(
          "unknown class '"
              + s
              + "' for "
              + data.source()
              + ConfigReader.suggest(s, candidates)
              + (Suggestions.nearest(s, candidates).isPresent()
                  ? ""
                  : "; known: " + String.join(", ", candidates)));
      return Optional.empty();
    }
    if (s.matches("\\d+")) {
      return classId(Integer.parseInt(s), problem, known);
    }
    if (folders.isPresent()) {
      int id = folders.get().indexOf(s);
      if (id < 0) {
        unknownFolders.add(s);
        return Optional.empty();
      }
      return Optional.of(new ClassRef(Optional.of(id), s));
    }
    if (checkData) {
      unknownFolders.add(s);
      return Optional.empty();
    }
    // image-folder names are known only from the data; checked by `ctrace run`.
    return Optional.of(new ClassRef(Optional.empty(), s));
  }

  private Optional<ClassRef> classId(
      Number n, Consumer<String> problem, Optional<List<String>> known) {
    double d = n.doubleValue();
    if (d != Math.rint(d) || d < 0 || (data.classes() >= 2 && d >= data.classes())) {
      problem.accept(
          "class id "
              + n
              + " is out of range 0.."
              + (data.classes() - 1)
              + " for "
              + data.source());
      return Optional.empty();
    }
    int id = (int) d;
    return Optional.of(
        new ClassRef(Optional.of(id), known.map(k -> k.get(id)).orElse(Integer.toString(id))));
  }

  private void checkImageFolder(String path, Path dir) {
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
}
