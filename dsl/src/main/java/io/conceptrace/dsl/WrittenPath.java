package io.conceptrace.dsl;

import com.typesafe.config.ConfigValue;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The one rule for a file that an experiment key names ({@code model.checkpoints}, an activation
 * concept's {@code reference.checkpoint} and {@code reference.torchscript}): a relative name is
 * relative to the directory of the file that writes the key (an included file's own directory), and
 * a value that no file wrote ({@code --set}, an environment variable) is relative to the experiment
 * file's directory. Never the working directory, so that the same study names the same files
 * wherever {@code ctrace} is started.
 */
final class WrittenPath {
  private WrittenPath() {}

  /**
   * The file a string value names, as the user would name it: relative when the experiment file was
   * given relative to the working directory.
   */
  static Path resolve(ConfigValue value, Path experimentFile) {
    return directory(value, experimentFile).resolve((String) value.unwrapped()).normalize();
  }

  /** The same file as an absolute path, for a text read from elsewhere (the Slurm snapshot). */
  static Path absolute(ConfigValue value, Path experimentFile) {
    return resolve(value, experimentFile).toAbsolutePath().normalize();
  }

  /** The directory a relative name in {@code value} is relative to. */
  static Path directory(ConfigValue value, Path experimentFile) {
    return Optional.ofNullable(value.origin().filename())
        .map(WrittenPath::directoryOf)
        .orElse(directoryOf(experimentFile.toString()));
  }

  /** The directory of a file as named (relative names stay relative, as the user wrote them). */
  private static Path directoryOf(String file) {
    Path parent = Path.of(file).normalize().getParent();
    return parent == null ? Path.of("") : parent;
  }
}
