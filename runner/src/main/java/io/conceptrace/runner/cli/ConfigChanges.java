package io.conceptrace.runner.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import io.conceptrace.core.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings lines that differ between two versions of an experiment file, with its includes
 * resolved, e.g. {@code prune.sizes: [100] → [100,200]}: what a reviewer reads first, because an
 * added cell (a new prune size) has no old settings to compare with.
 */
record ConfigChanges(List<Line> lines) {
  ConfigChanges {
    lines = List.copyOf(lines);
  }

  /** One setting: its dotted path and its rendered value before and after (null when unset). */
  record Line(String key, String before, String after) {
    @Override
    public String toString() {
      return key
          + ": "
          + (before == null ? "(unset)" : before)
          + " → "
          + (after == null ? "(unset)" : after);
    }
  }

  static ConfigChanges between(Path oldFile, Path newFile) {
    Map<String, String> before = flatten(oldFile);
    Map<String, String> after = flatten(newFile);
    TreeSet<String> keys = new TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    List<Line> out = new ArrayList<>();
    for (String k : keys) {
      if (!Objects.equals(before.get(k), after.get(k))) {
        out.add(new Line(k, before.get(k), after.get(k)));
      }
    }
    return new ConfigChanges(out);
  }

  private static Map<String, String> flatten(Path file) {
    Config c;
    try {
      c = ConfigFactory.parseFile(file.toFile()).resolve();
    } catch (ConfigException e) {
      throw new BadInputException(e.getMessage(), e);
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      out.put(e.getKey(), render(e.getValue()));
    }
    return out;
  }

  private static String render(ConfigValue v) {
    String s = v.render(ConfigRenderOptions.concise()).replaceAll("\\s+", " ");
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }

  /** A text block ({@code changed settings} and one line each), or empty without changes. */
  String text() {
    if (lines.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\nchanged settings\n");
    lines.forEach(l -> b.append("  ").append(l).append('\n'));
    return b.toString();
  }

  /** A markdown table, or empty without changes. */
  String markdown() {
    if (lines.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder("\n| changed setting | before | after |\n|---|---|---|\n");
    for (Line l : lines) {
      b.append("| `")
          .append(cell(l.key()))
          .append("` | ")
          .append(l.before() == null ? "(unset)" : "`" + cell(l.before()) + "`")
          .append(" | ")
          .append(l.after() == null ? "(unset)" : "`" + cell(l.after()) + "`")
          .append(" |\n");
    }
    return b.toString();
  }

  private static String cell(String s) {
    return s.replace("|", "\\|").replace("`", "'");
  }
}
