package io.conceptrace.mlflow;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One {@code ctrace run}: becomes the parent run of its cells' runs.
 *
 * @param id unique id, e.g. {@code 20261126T163000Z-3f9a1c} (sortable by start)
 * @param experiment the experiment's name (the MLflow experiment's name)
 * @param experimentFile absolute path of the experiment file; empty when there was none
 * @param command the command line, for the run's description
 * @param startedAt when it started
 * @param git the experiment file's repository state; {@link GitState#NONE} outside a repository
 * @param description the experiment's {@code experiment.description}; empty when it has none
 */
public record Invocation(
    String id,
    String experiment,
    String experimentFile,
    String command,
    Instant startedAt,
    GitState git,
    String description) {
  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  public Invocation {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(experiment, "experiment");
    experimentFile = experimentFile == null ? "" : experimentFile;
    command = command == null ? "" : command;
    Objects.requireNonNull(startedAt, "startedAt");
    git = git == null ? GitState.NONE : git;
    description = description == null ? "" : description;
  }

  /** An invocation without a description. */
  public Invocation(
      String id,
      String experiment,
      String experimentFile,
      String command,
      Instant startedAt,
      GitState git) {
    this(id, experiment, experimentFile, command, startedAt, git, "");
  }

  /**
   * A new invocation starting now; looks up the experiment file's git commit.
   *
   * @param experimentFile the experiment file, or {@code null}
   */
  public static Invocation begin(String experiment, Path experimentFile, String command) {
    return begin(experiment, experimentFile, command, "");
  }

  /** As {@link #begin(String, Path, String)}, with the experiment's description. */
  public static Invocation begin(
      String experiment, Path experimentFile, String command, String description) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    byte[] suffix = new byte[3];
    RANDOM.nextBytes(suffix);
    String id = ID_TIME.format(now) + "-" + HexFormat.of().formatHex(suffix);
    String file = experimentFile == null ? "" : experimentFile.toAbsolutePath().toString();
    GitState git = experimentFile == null ? GitState.NONE : GitState.of(experimentFile);
    return new Invocation(id, experiment, file, command, now, git, description);
  }
}
