package io.conceptrace.dsl;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.core.data.ClassNames;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Experiment.Data;
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

  private final ConfigReader r;
  private final ListReader lists;
  private final Blocks blocks;
  private final Data data;
  private final boolean checkData;

  /**
   * @param checkData whether folders must exist and image-folder class names are looked up
   */
  ConceptsBinder(ConfigReader r, ListReader lists, Blocks blocks, Data data, boolean checkData) {
    this.r = r;
    this.lists = lists;
    this.blocks = blocks;
    this.data = data;
    this.checkData = checkData;
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
        r.optionalInteger(p + ".probe-epochs", 1, 100_000));
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
