package io.conceptrace.dsl;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Rejects every key that {@code defaults.conf} (or, under {@code concepts.<name>}, {@code
 * concept-defaults.conf}) does not document, with the nearest known key as a suggestion.
 */
final class UnknownKeys {
  private UnknownKeys() {}

  /** Checks the merged file against the schema, recursively from the root. */
  static void check(ConfigReader r, ConfigObject user, ConfigObject schema, ConfigObject concept) {
    check(r, user, schema, concept, "");
  }

  private static void check(
      ConfigReader r, ConfigObject user, ConfigObject schema, ConfigObject concept, String prefix) {
    for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
      String key = e.getKey();
      String path = prefix.isEmpty() ? quoteIfNeeded(key) : prefix + "." + quoteIfNeeded(key);
      ConfigValue value = e.getValue();
      if (prefix.isEmpty() && key.equals("concepts")) {
        checkConcepts(r, value, concept);
        continue;
      }
      ConfigValue known = schema.get(key);
      if (known == null) {
        unknownKey(r, value, path, prefix, schema.keySet());
        continue;
      }
      if (known.valueType() == ConfigValueType.OBJECT && value instanceof ConfigObject obj) {
        check(r, obj, (ConfigObject) known, concept, path);
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

  private static void checkConcepts(ConfigReader r, ConfigValue value, ConfigObject schema) {
    if (!(value instanceof ConfigObject concepts)) {
      return; // reported as a type problem when reading
    }
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
                + c.getValue().valueType().name().toLowerCase(Locale.ROOT));
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

  /** A key as a path segment: quoted when it holds anything but letters, digits, '_' and '-'. */
  static String quoteIfNeeded(String key) {
    return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key + "\"";
  }
}
