package io.conceptrace.runner.exec;

import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Takes a complete cell out of the run store before {@code --force} recomputes it. The store keeps
 * the first copy of a content-addressed cell, so the old one must go first; it is renamed away in
 * one step (so readers see the old cell or none, never part of it) into {@code
 * EXPERIMENT/.superseded/} and then deleted. Leftovers of a crash in between are deleted by {@link
 * #clean} at the next start.
 */
final class Superseded {
  static final String DIR = ".superseded";

  private Superseded() {}

  static void retire(RunStore store, String experiment, String stage, String cellId) {
    Path cell = store.cellDirectory(experiment, stage, cellId);
    if (!Files.isDirectory(cell)) {
      return;
    }
    Path trash =
        store
            .root()
            .resolve(experiment)
            .resolve(DIR)
            .resolve(
                stage
                    + "~"
                    + cellId
                    + "~"
                    + ProcessHandle.current().pid()
                    + "~"
                    + System.nanoTime());
    try {
      Files.createDirectories(trash.getParent());
      Files.move(cell, trash, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // another process retired it first
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the old output of " + stage + "/" + cellId, e);
    }
    deleteTree(trash);
  }

  /** Deletes what a crash left in {@code .superseded/}. */
  static void clean(RunStore store, String experiment) {
    deleteTree(store.root().resolve(experiment).resolve(DIR));
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
    for (Path p : paths) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + p, e);
      }
    }
  }
}
