package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The key tables of {@code experiments/README.md} list exactly the keys of {@code defaults.conf}
 * and {@code concept-defaults.conf}, and every default they show is the file's.
 *
 * <p>A table row names its keys in backticks in the first column ({@code a}, {@code a.b}, {@code
 * a.{b, c}} for several) under a {@code ### `section`} heading; the default column holds one value
 * per key (or one for all), "–", "required" or "known" for null.
 */
class ReadmeKeyTablesTest {
  private static final Path README = Path.of("../experiments/README.md");
  private static final Pattern TICKED = Pattern.compile("`([^`]+)`");

  record Row(String key, String shownDefault, int line) {}

  static List<Row> rows() throws Exception {
    List<String> lines = Files.readAllLines(README);
    List<Row> out = new ArrayList<>();
    String prefix = null;
    int defaultColumn = -1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.startsWith("## ")) {
        prefix = null; // past the schema
      }
      if (line.startsWith("### ")) {
        List<String> names = ticked(line);
        prefix =
            names.size() != 1
                ? ""
                : names.get(0).equals("concepts.<name>") ? "concepts.*." : names.get(0) + ".";
        defaultColumn = -1;
        continue;
      }
      if (prefix == null || !line.startsWith("|")) {
        continue;
      }
      List<String> cells = cells(line);
      if (cells.get(0).equals("key")) {
        defaultColumn = cells.indexOf("default");
        continue;
      }
      if (!cells.get(0).startsWith("`")) {
        continue;
      }
      List<String> keys = new ArrayList<>();
      for (String t : ticked(cells.get(0))) {
        keys.addAll(expand(t));
      }
      List<String> defaults =
          defaultColumn < 0 ? List.of() : splitTopLevel(cells.get(defaultColumn));
      for (int k = 0; k < keys.size(); k++) {
        String shown =
            defaults.isEmpty() ? null : defaults.size() == 1 ? defaults.get(0) : defaults.get(k);
        out.add(new Row(prefix + keys.get(k), shown, i + 1));
      }
    }
    return out;
  }

  private static List<String> ticked(String s) {
    List<String> out = new ArrayList<>();
    Matcher m = TICKED.matcher(s);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  private static List<String> cells(String line) {
    List<String> out = new ArrayList<>();
    for (String c : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) {
      out.add(c.strip());
    }
    return out;
  }

  /** {@code a.{b, c}} is {@code a.b} and {@code a.c}. */
  private static List<String> expand(String key) {
    int open = key.indexOf('{');
    if (open < 0) {
      return List.of(key);
    }
    String head = key.substring(0, open);
    List<String> out = new ArrayList<>();
    for (String part : key.substring(open + 1, key.indexOf('}')).split(",")) {
      out.add(head + part.strip());
    }
    return out;
  }

  /** Splits at commas outside brackets: {@code 8, 128} and {@code [top, random]}. */
  private static List<String> splitTopLevel(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      }
      if (c == ',' && depth == 0) {
        out.add(b.toString().strip());
        b.setLength(0);
      } else {
        b.append(c);
      }
    }
    out.add(b.toString().strip());
    return out;
  }

  static Map<String, ConfigValue> defaults() {
    Map<String, ConfigValue> out = new LinkedHashMap<>();
    walk(ExperimentLoader.defaults().root(), "", out);
    out.remove("concepts");
    walk(ExperimentLoader.conceptDefaults().root(), "concepts.*", out);
    return out;
  }

  private static void walk(ConfigObject o, String prefix, Map<String, ConfigValue> out) {
    for (Map.Entry<String, ConfigValue> e : o.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT
          && !((ConfigObject) e.getValue()).isEmpty()) {
        walk((ConfigObject) e.getValue(), path, out);
      } else {
        out.put(path, e.getValue());
      }
    }
  }

  @Test
  void theTablesListExactlyTheKeysOfTheDefaults() throws Exception {
    TreeSet<String> documented = new TreeSet<>();
    rows().forEach(r -> documented.add(r.key()));
    TreeSet<String> keys = new TreeSet<>(defaults().keySet());
    assertThat(new TreeSet<>(keys).descendingSet().stream().filter(k -> !documented.contains(k)))
        .as("keys of defaults.conf missing from experiments/README.md")
        .isEmpty();
    assertThat(documented.stream().filter(k -> !keys.contains(k)))
        .as("keys in experiments/README.md that defaults.conf does not have")
        .isEmpty();
  }

  @Test
  void everyShownDefaultIsTheFilesDefault() throws Exception {
    Map<String, ConfigValue> defaults = defaults();
    List<String> wrong = new ArrayList<>();
    for (Row r : rows()) {
      if (r.shownDefault() == null || !defaults.containsKey(r.key())) {
        continue;
      }
      ConfigValue actual = defaults.get(r.key());
      if (!matches(r.shownDefault(), actual)) {
        wrong.add(
            "README.md:"
                + r.line()
                + ": "
                + r.key()
                + " shows "
                + r.shownDefault()
                + ", defaults.conf has "
                + actual.render());
      }
    }
    assertThat(wrong).isEmpty();
  }

  private static boolean matches(String shown, ConfigValue actual) {
    String s = shown.strip();
    // "[] = all", "– (required with sizes)": the value, then what it means.
    for (String explanation : List.of(" = ", " (")) {
      if (s.contains(explanation)) {
        s = s.substring(0, s.indexOf(explanation)).strip();
      }
    }
    switch (actual.valueType()) {
      case NULL:
        return s.equals("–") || s.equals("required") || s.equals("known") || s.equals("null");
      case BOOLEAN:
        return s.equals(actual.unwrapped().toString());
      case NUMBER:
        try {
          return Double.parseDouble(s) == ((Number) actual.unwrapped()).doubleValue();
        } catch (NumberFormatException e) {
          return false;
        }
      case STRING:
        return s.equals("\"" + actual.unwrapped() + "\"") || s.equals(actual.unwrapped());
      case LIST:
        List<String> items = new ArrayList<>();
        ((List<?>) actual.unwrapped()).forEach(x -> items.add(x.toString()));
        return s.replace(" ", "").equals(("[" + String.join(",", items) + "]").replace(" ", ""));
      default:
        return s.toLowerCase(Locale.ROOT).equals(actual.render());
    }
  }
}
