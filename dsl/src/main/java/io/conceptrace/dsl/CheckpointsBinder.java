package io.conceptrace.dsl;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.NetworkFiles;
import io.conceptrace.core.train.CheckpointNormalization;
import io.conceptrace.dsl.Experiment.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Binds {@code model.checkpoints}: a list of safetensors files, or one glob string, that replace
 * base training. Relative names are relative to the directory of the file that writes them (a
 * {@code --set} or environment value: the experiment file's directory). The files are found and
 * hashed here, when the experiment is loaded, because their content hashes are the import cells'
 * ids: {@code validate} and {@code plan} need them as much as {@code run} does.
 */
final class CheckpointsBinder {
  static final String KEY = "model.checkpoints";

  private CheckpointsBinder() {}

  /**
   * The checkpoints the ensemble imports: the first {@code ensemble} of the list (or of the glob's
   * matches, sorted by path); empty when the key is not set or had a problem.
   *
   * @param experimentFile the experiment file, for values that no file wrote
   */
  static List<Checkpoint> bind(ConfigReader r, Path experimentFile, int ensemble) {
    if (r.isNull(KEY)) {
      return List.of();
    }
    ConfigValue value = r.config().getValue(KEY);
    List<Path> files = new ArrayList<>();
    if (value.valueType() == ConfigValueType.STRING) {
      String written = (String) value.unwrapped();
      Path dir = WrittenPath.directory(value, experimentFile);
      if (isGlob(written)) {
        List<Path> matches = glob(dir, written);
        if (matches.isEmpty()) {
          r.problem(
              KEY,
              "'"
                  + written
                  + "' matches no file (in "
                  + (dir.toString().isEmpty() ? "." : dir)
                  + ")");
          return List.of();
        }
        files.addAll(matches);
      } else {
        Path file = WrittenPath.resolve(value, experimentFile);
        if (!Files.isRegularFile(file)) {
          r.problem(KEY, "no such file: " + file);
          return List.of();
        }
        files.add(file);
      }
    } else if (value instanceof ConfigList list) {
      boolean ok = true;
      for (ConfigValue element : list) {
        SourcePosition at = position(r, element);
        if (element.valueType() != ConfigValueType.STRING) {
          r.problemAt(at, KEY, "must be a path (a string), got " + element.render());
          ok = false;
          continue;
        }
        Path file = WrittenPath.resolve(element, experimentFile);
        if (!Files.isRegularFile(file)) {
          r.problemAt(at, KEY, "no such file: " + file);
          ok = false;
        } else if (files.contains(file)) {
          r.problemAt(at, KEY, file + " is listed twice");
          ok = false;
        } else {
          files.add(file);
        }
      }
      if (!ok || files.isEmpty()) {
        return List.of();
      }
    } else {
      r.problem(
          KEY, "must be a list of safetensors files or a glob string, got " + r.describe(KEY));
      return List.of();
    }
    if (files.size() < ensemble && !r.hasProblem("training.ensemble")) {
      r.problem(
          KEY,
          files.size()
              + " checkpoint(s) for training.ensemble = "
              + ensemble
              + ": give at least "
              + ensemble
              + " or lower training.ensemble");
      return List.of();
    }
    List<Checkpoint> out = new ArrayList<>();
    Map<String, Path> byHash = new LinkedHashMap<>();
    for (Path file : files.subList(0, Math.min(ensemble, files.size()))) {
      String sha256 = NetworkFiles.contentHash(file);
      Path same = byHash.putIfAbsent(sha256, file);
      if (same != null) {
        r.problem(
            KEY, file + " has the same content as " + same + " (one model twice in the ensemble)");
        return List.of();
      }
      out.add(new Checkpoint(file, sha256));
    }
    return out;
  }

  /**
   * {@code merged} with {@code model.checkpoints} as the absolute paths it names now (a glob
   * expanded), for a text that is read from elsewhere ({@link ExperimentLoader#resolvedText}); an
   * unset or malformed value is left as it is, for the load to report.
   */
  static Config absolute(Config merged, Path experimentFile) {
    if (!merged.hasPath(KEY)) {
      return merged;
    }
    ConfigValue value = merged.getValue(KEY);
    List<String> paths = new ArrayList<>();
    if (value.valueType() == ConfigValueType.STRING) {
      String written = (String) value.unwrapped();
      Path dir = WrittenPath.directory(value, experimentFile);
      List<Path> files =
          isGlob(written)
              ? glob(dir, written)
              : List.of(WrittenPath.resolve(value, experimentFile));
      if (files.isEmpty()) {
        return merged; // not an empty list, which would mean "train"
      }
      files.forEach(f -> paths.add(f.toAbsolutePath().normalize().toString()));
    } else if (value instanceof ConfigList list) {
      for (ConfigValue element : list) {
        if (element.valueType() != ConfigValueType.STRING) {
          return merged;
        }
        paths.add(WrittenPath.absolute(element, experimentFile).toString());
      }
    } else {
      return merged;
    }
    return merged.withValue(
        KEY, ConfigValueFactory.fromIterable(paths, value.origin().description()));
  }

  /**
   * Checks each file as the import cell will read it (header, names, shapes, dtypes, finite values,
   * the normalisation in its metadata), so that {@code validate} reports what {@code run} would
   * fail on. Each problem is at the key, with core's one-line message naming the file.
   */
  static void checkContents(ConfigReader r, List<Checkpoint> checkpoints, ArchitectureSpec spec) {
    for (Checkpoint c : checkpoints) {
      try {
        NetworkFiles.checkSafetensors(c.file(), spec);
        CheckpointNormalization.read(
            NetworkFiles.safetensorsMetadata(c.file()), c.file(), spec.inputChannels());
      } catch (BadInputException e) {
        r.problem(KEY, e.getMessage());
      }
    }
  }

  private static boolean isGlob(String s) {
    return s.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /**
   * The regular files matching a glob (relative to {@code dir} unless absolute), sorted by path:
   * the walk starts at the longest leading part without a wildcard.
   */
  private static List<Path> glob(Path dir, String pattern) {
    Path full = dir.resolve(pattern).normalize();
    Path base = full.getRoot() == null ? Path.of("") : full.getRoot();
    int fixed = 0;
    for (Path part : full) {
      if (isGlob(part.toString()) || fixed == full.getNameCount() - 1) {
        break;
      }
      base = base.resolve(part);
      fixed++;
    }
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    boolean recursive = pattern.contains("**");
    int depth = recursive ? Integer.MAX_VALUE : full.getNameCount() - fixed;
    PathMatcher matcher =
        FileSystems.getDefault().getPathMatcher("glob:" + full.toString().replace("\\", "\\\\"));
    try (Stream<Path> walk = Files.walk(base, depth)) {
      return walk.filter(Files::isRegularFile).filter(matcher::matches).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + base, e);
    }
  }

  private static SourcePosition position(ConfigReader r, ConfigValue element) {
    SourcePosition at = ConfigReader.position(element);
    return at.line() > 0 ? at : r.position(KEY);
  }
}
