package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Parses an experiment file and its {@code include}s so that no include mistake is silent.
 *
 * <p>Typesafe Config skips a plain {@code include "x.conf"} whose file is missing (HOCON makes
 * every plain include optional), also when {@code x} is a directory, and resolves {@code include
 * file("x")} against the working directory. Here every include, plain or {@code required(...)},
 * must name an existing file, resolved against the directory of the file that includes it; a
 * missing file, a directory or a cycle is a problem at the including {@code FILE:LINE}. (HOCON has
 * no syntax for an optional include, so ctrace has none: a silently dropped base file would change
 * a study without a word.) Each file gets an includer of its own that knows where it is, because
 * Typesafe Config tells an includer neither the including file nor the line.
 */
final class IncludeResolver implements ConfigIncluder, ConfigIncluderFile {
  /** Extensions Typesafe Config tries for an include without one, in its order. */
  private static final List<String> EXTENSIONS = List.of(".conf", ".json", ".properties");

  /**
   * An include statement: {@code include [required(]["name" | file("name") | classpath(...) |
   * url(...)][)]}. Group 2 is the kind, group 3 the name.
   */
  private static final Pattern INCLUDE =
      Pattern.compile(
          "(?:^|[\\s{,])include\\s+(required\\s*\\(\\s*)?(?:(file|classpath|url)\\s*\\(\\s*)?\"([^\"]*)\"");

  private final Path file;
  private final List<Path> chain;
  private final List<Problem> problems;
  private final List<Statement> statements;
  private int next;

  private IncludeResolver(Path file, List<Path> chain, List<Problem> problems) {
    this.file = file;
    this.chain = List.copyOf(chain);
    this.problems = problems;
    this.statements = scan(file);
  }

  /** An include statement of a file: its line and the name it includes. */
  private record Statement(int line, String name) {}

  /**
   * Parses {@code file} with its includes; include problems are added to {@code problems} (and the
   * include is left out), syntax errors throw as Typesafe Config's {@link ConfigException}.
   */
  static Config parse(Path file, ConfigParseOptions options, List<Problem> problems) {
    IncludeResolver root = new IncludeResolver(file, List.of(normal(file)), problems);
    return ConfigFactory.parseFile(file.toFile(), options.setIncluder(root));
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder fallback) {
    return this; // every kind of include this class answers is resolved here
  }

  /** {@code include "name"}: relative to this file, with Typesafe Config's extension guessing. */
  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    SourcePosition at = positionOf(what);
    Path target = relative(what);
    if (Files.isRegularFile(target)) {
      return parseIncluded(context, target, what, at);
    }
    if (Files.isDirectory(target)) {
      return problem(at, what, "is a directory, not a file (" + target + ")");
    }
    boolean hasExtension = EXTENSIONS.stream().anyMatch(e -> what.endsWith(e));
    if (!hasExtension) {
      ConfigObject merged = ConfigFactory.empty().root();
      boolean found = false;
      for (String e : EXTENSIONS) {
        Path candidate = relative(what + e);
        if (Files.isRegularFile(candidate)) {
          merged = parseIncluded(context, candidate, what, at).withFallback(merged);
          found = true;
        }
      }
      if (found) {
        return merged;
      }
    }
    return missing(at, what, target);
  }

  /** {@code include file("name")}: a relative name is relative to this file, not the cwd. */
  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    String name = what.getPath();
    SourcePosition at = positionOf(name);
    Path target = what.isAbsolute() ? what.toPath() : relative(name);
    if (Files.isDirectory(target)) {
      return problem(at, name, "is a directory, not a file (" + target + ")");
    }
    if (!Files.isRegularFile(target)) {
      return missing(at, name, target);
    }
    return parseIncluded(context, target, name, at);
  }

  private Path relative(String name) {
    Path dir = file.getParent();
    return dir == null ? Path.of(name) : dir.resolve(name);
  }

  private ConfigObject parseIncluded(
      ConfigIncludeContext context, Path target, String name, SourcePosition at) {
    Path normal = normal(target);
    if (chain.contains(normal)) {
      List<String> names = new ArrayList<>();
      for (Path p : chain.subList(chain.indexOf(normal), chain.size())) {
        names.add(p.getFileName().toString());
      }
      names.add(normal.getFileName().toString());
      return problem(at, name, "include cycle: " + String.join(" -> ", names));
    }
    List<Path> longer = new ArrayList<>(chain);
    longer.add(normal);
    IncludeResolver child = new IncludeResolver(target, longer, problems);
    ConfigParseOptions options =
        context
            .parseOptions()
            .setAllowMissing(false)
            .setSyntax(syntaxOf(target))
            .setOriginDescription(null)
            .setIncluder(child);
    return ConfigFactory.parseFile(target.toFile(), options).root();
  }

  private ConfigObject missing(SourcePosition at, String name, Path target) {
    String hint = "";
    Path dir = target.toAbsolutePath().getParent();
    if (dir != null && Files.isDirectory(dir)) {
      try (Stream<Path> siblings = Files.list(dir)) {
        List<String> names =
            siblings.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
        String wanted = target.getFileName().toString();
        hint =
            Suggestions.nearest(wanted, names)
                .map(s -> "; did you mean " + sibling(name, s) + "?")
                .orElse("");
      } catch (IOException e) {
        hint = "";
      }
    }
    return problem(at, name, "no such file " + target + hint);
  }

  /** The include's name with its last segment replaced by {@code fileName}. */
  private static String sibling(String name, String fileName) {
    int slash = name.lastIndexOf('/');
    return "\"" + (slash < 0 ? "" : name.substring(0, slash + 1)) + fileName + "\"";
  }

  private ConfigObject problem(SourcePosition at, String name, String message) {
    problems.add(new Problem(at, "", "include \"" + name + "\": " + message));
    return ConfigFactory.empty().root();
  }

  /**
   * Where the include of {@code name} is written: the next statement of this file naming it (the
   * parser asks in file order). Line 0 when the text cannot be matched (an unusual spelling).
   */
  private SourcePosition positionOf(String name) {
    for (int i = next; i < statements.size(); i++) {
      if (statements.get(i).name().equals(name)) {
        next = i + 1;
        return new SourcePosition(file.toString(), statements.get(i).line(), 0);
      }
    }
    return new SourcePosition(file.toString(), 0, 0);
  }

  private static List<Statement> scan(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException | RuntimeException e) {
      return List.of(); // the parser reports an unreadable file itself
    }
    List<Statement> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || trimmed.startsWith("//")) {
        continue;
      }
      Matcher m = INCLUDE.matcher(line);
      while (m.find()) {
        out.add(new Statement(i + 1, m.group(3)));
      }
    }
    return out;
  }

  private static ConfigSyntax syntaxOf(Path p) {
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".json")) {
      return ConfigSyntax.JSON;
    }
    if (name.endsWith(".properties")) {
      return ConfigSyntax.PROPERTIES;
    }
    return ConfigSyntax.CONF;
  }

  private static Path normal(Path p) {
    return p.toAbsolutePath().normalize();
  }
}
