package io.conceptrace.mlflow;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The git state of an experiment file: the repository's HEAD commit and whether the file differs
 * from it. Found by running {@code git}; absent when git is missing or the file is not in a
 * repository.
 *
 * @param commit the HEAD commit hash; empty when unknown
 * @param fileModified the file has uncommitted changes (or is untracked)
 */
public record GitState(String commit, boolean fileModified) {
  public static final GitState NONE = new GitState("", false);

  public GitState {
    commit = commit == null ? "" : commit;
  }

  public boolean known() {
    return !commit.isEmpty();
  }

  /** The state of {@code file}'s repository, or {@link #NONE}. */
  public static GitState of(Path file) {
    Path absolute = file.toAbsolutePath();
    Path dir = absolute.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return NONE;
    }
    Optional<String> head = git(dir, List.of("rev-parse", "--verify", "HEAD"));
    if (head.isEmpty() || head.get().isBlank()) {
      return NONE;
    }
    Optional<String> status =
        git(dir, List.of("status", "--porcelain", "--", absolute.getFileName().toString()));
    return new GitState(head.get().strip(), status.map(s -> !s.isBlank()).orElse(false));
  }

  private static Optional<String> git(Path dir, List<String> args) {
    List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(args);
    try {
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // git not installed
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
