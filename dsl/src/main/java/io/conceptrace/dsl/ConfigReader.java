package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Reads typed values from a resolved experiment config, recording a {@link Problem} (with the
 * value's origin) instead of throwing, so that one pass finds every problem. After recording a
 * problem a getter returns the key's documented default from {@code defaults.conf} (or {@code
 * concept-defaults.conf} for {@code concepts.<name>.*}), so the rest of the file is checked against
 * the values the documentation promises; the loader never builds an {@link Experiment} when any
 * problem was recorded. A key whose default is {@code null} has no such fallback: it is read with
 * an optional getter.
 */
final class ConfigReader {
  private final Config config;
  private final String mainFile;
  private final Config defaults;
  private final Config conceptDefaults;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<String, List<String>> fileLines = new HashMap<>();

  /** A reader whose fallbacks are the bundled defaults. */
  ConfigReader(Config config, String mainFile) {
    this(config, mainFile, ExperimentLoader.defaults(), ExperimentLoader.conceptDefaults());
  }

  ConfigReader(Config config, String mainFile, Config defaults, Config conceptDefaults) {
    this.config = config;
    this.mainFile = mainFile;
    this.defaults = defaults;
    this.conceptDefaults = conceptDefaults;
  }

  /**
   * The documented default of a key, what a getter returns after a problem.
   *
   * @throws IllegalStateException when {@code defaults.conf} gives the key no value: a programming
   *     error (the key must be read with an optional getter)
   */
  ConfigValue defaultValue(String path) {
    List<String> keys = ConfigUtil.splitPath(path);
    Config schema = defaults;
    String key = path;
    if (keys.size() > 2 && keys.get(0).equals("concepts")) {
      schema = conceptDefaults;
      key = ConfigUtil.joinPath(keys.subList(2, keys.size()));
    }
    if (!schema.hasPath(key)) {
      throw new IllegalStateException(path + " has no default value to fall back on");
    }
    return schema.getValue(key);
  }

  private Number defaultNumber(String path) {
    if (!(defaultValue(path).unwrapped() instanceof Number n)) {
      throw new IllegalStateException("the default of " + path + " is not a number");
    }
    return n;
  }

  Config config() {
    return config;
  }

  List<Problem> problems() {
    return problems;
  }

  void problem(String path, String message) {
    problems.add(new Problem(position(path), path, message));
  }

  void problemAt(SourcePosition at, String path, String message) {
    problems.add(new Problem(at, path, message));
  }

  /** Where a key's value was written; the parent object's position when the key is absent. */
  SourcePosition position(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Optional<ConfigValue> value = rawValue(p);
      if (value.isPresent()) {
        SourcePosition at = position(value.get());
        if (!at.file().equals("defaults")) {
          return at;
        }
      }
      int dot = p.lastIndexOf('.');
      p = dot < 0 ? "" : p.substring(0, dot);
    }
    return new SourcePosition(mainFile, 0, 0);
  }

  /**
   * Where a value was written. Typesafe Config 1.4.3 reports a triple-quoted string at its last
   * line, and lists and objects after a multi-line string too early by the newlines inside those
   * strings; this corrects both from the file's text.
   */
  static SourcePosition position(ConfigValue value) {
    ConfigOrigin origin = value.origin();
    SourcePosition at = position(origin);
    if (origin.filename() == null || at.line() <= 0) {
      return at;
    }
    List<int[]> spans = TripleQuotes.spans(origin.filename());
    int reported = at.line();
    int line = reported;
    if (value.valueType() == ConfigValueType.LIST || value.valueType() == ConfigValueType.OBJECT) {
      for (int t = reported; t < reported + 100_000; t++) {
        int before = 0;
        for (int[] span : spans) {
          if (span[1] < t) {
            before += span[1] - span[0];
          }
        }
        if (t - before == reported) {
          line = t;
          break;
        }
      }
    } else if (value.valueType() == ConfigValueType.STRING) {
      for (int[] span : spans) {
        if (span[1] == reported && span[0] < span[1]) {
          line = span[0];
        }
      }
    }
    return new SourcePosition(at.file(), line, 0);
  }

  /** The value at a path, including an explicit null (which {@link Config#getValue} rejects). */
  Optional<ConfigValue> rawValue(String path) {
    ConfigValue v = config.root();
    for (String key : ConfigUtil.splitPath(path)) {
      if (!(v instanceof ConfigObject obj) || !obj.containsKey(key)) {
        return Optional.empty();
      }
      v = obj.get(key);
    }
    return Optional.of(v);
  }

  static SourcePosition position(ConfigOrigin origin) {
    if (origin.resource() != null) {
      return new SourcePosition("defaults", 0, 0);
    }
    if (origin.filename() != null) {
      return new SourcePosition(origin.filename(), Math.max(0, origin.lineNumber()), 0);
    }
    String d = origin.description();
    if (d.startsWith("merge of ")) {
      // An object merged from several places: the first is the one that overrides the others.
      String first = d.substring("merge of ".length()).split(",", 2)[0];
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(.*): (\\d+)").matcher(first);
      if (first.contains(" @ ")) {
        return new SourcePosition("defaults", 0, 0);
      }
      if (m.matches()) {
        return new SourcePosition(m.group(1), Integer.parseInt(m.group(2)), 0);
      }
      return new SourcePosition(first, 0, 0);
    }
    return new SourcePosition(d.replaceFirst(": \\d+$", ""), 0, 0);
  }

  /** Whether any problem was recorded for this key or below it. */
  boolean hasProblem(String path) {
    return problems.stream()
        .anyMatch(p -> p.path().equals(path) || p.path().startsWith(path + "."));
  }

  boolean isNull(String path) {
    return !config.hasPath(path);
  }

  ConfigValueType type(String path) {
    return config.hasPath(path) ? config.getValue(path).valueType() : ConfigValueType.NULL;
  }

  String describe(String path) {
    ConfigValue v = config.getValue(path);
    String rendered = v.render().replaceAll("\\s+", " ");
    if (rendered.length() > 40) {
      rendered = rendered.substring(0, 37) + "...";
    }
    return v.valueType().name().toLowerCase(Locale.ROOT) + " " + rendered;
  }

  /** An integer in [min, max]; its default after a problem. */
  int integer(String path, int min, int max) {
    OptionalInt v = readInteger(path, min, max);
    return v.isPresent() ? v.getAsInt() : defaultNumber(path).intValue();
  }

  /** An integer in [min, max], or empty when the key is null or had a problem. */
  OptionalInt optionalInteger(String path, int min, int max) {
    return isNull(path) ? OptionalInt.empty() : readInteger(path, min, max);
  }

  private OptionalInt readInteger(String path, int min, int max) {
    if (isNull(path)) {
      problem(path, "required: an integer");
      return OptionalInt.empty();
    }
    if (type(path) != ConfigValueType.NUMBER) {
      problem(path, "must be an integer, got " + describe(path));
      return OptionalInt.empty();
    }
    Number n = config.getNumber(path);
    double d = n.doubleValue();
    if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
      problem(path, "must be an integer, got " + n);
      return OptionalInt.empty();
    }
    int v = (int) d;
    if (v < min || v > max) {
      problem(path, range(v, min, max));
      return OptionalInt.empty();
    }
    return OptionalInt.of(v);
  }

  long longValue(String path) {
    if (isNull(path) || type(path) != ConfigValueType.NUMBER) {
      problem(
          path,
          isNull(path) ? "required: an integer" : "must be an integer, got " + describe(path));
      return defaultNumber(path).longValue();
    }
    Number n = config.getNumber(path);
    if (n.doubleValue() != Math.rint(n.doubleValue())) {
      problem(path, "must be an integer, got " + n);
      return defaultNumber(path).longValue();
    }
    return n.longValue();
  }

  private static String range(Object v, Object min, Object max) {
    if (max instanceof Integer i && i == Integer.MAX_VALUE) {
      return "must be >= " + min + ", got " + v;
    }
    return "must be between " + min + " and " + max + ", got " + v;
  }

  /**
   * A number within bounds.
   *
   * @param minOpen whether {@code min} itself is excluded
   * @param maxOpen whether {@code max} itself is excluded
   */
  double number(String path, double min, boolean minOpen, double max, boolean maxOpen) {
    if (isNull(path)) {
      problem(path, "required: a number");
      return defaultNumber(path).doubleValue();
    }
    if (type(path) != ConfigValueType.NUMBER) {
      problem(path, "must be a number, got " + describe(path));
      return defaultNumber(path).doubleValue();
    }
    double v = config.getDouble(path);
    boolean low = minOpen ? v <= min : v < min;
    boolean high = maxOpen ? v >= max : v > max;
    if (Double.isNaN(v) || low || high) {
      String lo = (minOpen ? "(" : "[") + fmt(min);
      String hi = Double.isInfinite(max) ? "inf)" : fmt(max) + (maxOpen ? ")" : "]");
      problem(path, "must be in " + lo + ", " + hi + ", got " + fmt(v));
      return defaultNumber(path).doubleValue();
    }
    return v;
  }

  OptionalDouble optionalNumber(String path) {
    if (isNull(path)) {
      return OptionalDouble.empty();
    }
    if (type(path) != ConfigValueType.NUMBER) {
      problem(path, "must be a number, got " + describe(path));
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(config.getDouble(path));
  }

  static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  boolean bool(String path) {
    if (isNull(path)) {
      problem(path, "required: true or false");
      return defaultBoolean(path);
    }
    if (type(path) != ConfigValueType.BOOLEAN) {
      problem(path, "must be true or false, got " + describe(path));
      return defaultBoolean(path);
    }
    return config.getBoolean(path);
  }

  private boolean defaultBoolean(String path) {
    if (!(defaultValue(path).unwrapped() instanceof Boolean b)) {
      throw new IllegalStateException("the default of " + path + " is not true or false");
    }
    return b;
  }

  Optional<String> optionalString(String path) {
    if (isNull(path)) {
      return Optional.empty();
    }
    ConfigValueType t = type(path);
    if (t == ConfigValueType.OBJECT || t == ConfigValueType.LIST) {
      problem(path, "must be a string, got " + describe(path));
      return Optional.empty();
    }
    return Optional.of(config.getString(path));
  }

  /** A string; its default after a problem. */
  String string(String path) {
    return requiredString(path).orElseGet(() -> defaultValue(path).unwrapped().toString());
  }

  /** A string that must be set (whatever its default); empty after a problem. */
  Optional<String> requiredString(String path) {
    if (isNull(path)) {
      problem(path, "required: a string");
      return Optional.empty();
    }
    return optionalString(path);
  }

  /**
   * One of a fixed set of lower-case words: the matching enum constant; its default after a
   * problem.
   */
  <E extends Enum<E>> E choice(String path, Class<E> type) {
    return requiredChoice(path, type)
        .orElseGet(() -> constant(type, defaultValue(path).unwrapped().toString()));
  }

  /** One of a fixed set of lower-case words that must be set; empty after a problem. */
  <E extends Enum<E>> Optional<E> requiredChoice(String path, Class<E> type) {
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(word(e));
    }
    if (isNull(path)) {
      problem(path, "required: one of " + String.join(", ", allowed));
      return Optional.empty();
    }
    Optional<String> s = optionalString(path);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    for (E e : type.getEnumConstants()) {
      if (word(e).equals(s.get())) {
        return Optional.of(e);
      }
    }
    problem(
        path,
        "must be one of "
            + String.join(", ", allowed)
            + ", got '"
            + s.get()
            + "'"
            + suggest(s.get(), allowed));
    return Optional.empty();
  }

  private static <E extends Enum<E>> E constant(Class<E> type, String written) {
    for (E e : type.getEnumConstants()) {
      if (word(e).equals(written)) {
        return e;
      }
    }
    throw new IllegalStateException("the default '" + written + "' is no " + type.getSimpleName());
  }

  /** The way an enum constant is written in files: {@code PAD_CROP} is {@code pad-crop}. */
  static String word(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static String suggest(String got, List<String> candidates) {
    return Suggestions.nearest(got, candidates).map(s -> "; did you mean " + s + "?").orElse("");
  }

  /** A Kotlin block at {@code path}, with the position of its first character in its file. */
  Optional<ScriptBlock> script(String path) {
    Optional<String> s = optionalString(path);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    ConfigOrigin origin = config.getValue(path).origin();
    SourcePosition at = position(config.getValue(path));
    if (origin.filename() != null && at.line() > 0) {
      at = new SourcePosition(at.file(), at.line(), openingColumn(origin.filename(), at.line()));
    }
    return Optional.of(new ScriptBlock(s.get(), at, path, scriptBudget()));
  }

  private ScriptBudget budget;

  /**
   * The {@code scripts} keys every Kotlin block of the file runs under (read once; a bad value is a
   * problem and the default applies).
   */
  ScriptBudget scriptBudget() {
    if (budget == null) {
      String path = "scripts.timeout";
      Duration timeout = defaults.getDuration(path);
      if (isNull(path)) {
        problem(path, "required: a duration such as 10s or 2m");
      } else {
        try {
          Duration d = config.getDuration(path);
          if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
            problem(path, "must be a duration between 1ms and 1d, got " + describe(path));
          } else {
            timeout = d;
          }
        } catch (ConfigException e) {
          problem(path, "must be a duration such as 10s or 2m, got " + describe(path));
        }
      }
      budget = new ScriptBudget(timeout, bool("scripts.allow-unsafe"));
    }
    return budget;
  }

  /** 1-based column just after the opening quote(s) of a string value on a line; 0 if unknown. */
  private int openingColumn(String file, int line) {
    List<String> lines =
        fileLines.computeIfAbsent(
            file,
            f -> {
              try {
                return Files.readAllLines(Path.of(f));
              } catch (IOException | RuntimeException e) {
                return List.of();
              }
            });
    if (line > lines.size()) {
      return 0;
    }
    String text = lines.get(line - 1);
    int triple = text.indexOf("\"\"\"");
    if (triple >= 0) {
      return triple + 4;
    }
    int quote = text.indexOf('"');
    return quote >= 0 ? quote + 2 : 0;
  }
}
