package io.conceptrace.runner.exec;

import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Cleans up after cells replaced by {@code --force}. A forced cell's old output stays in place
 * until its replacement is complete; then {@link io.conceptrace.store.CellWriter#replace} renames
 * the old one into {@code EXPERIMENT/.superseded/}, renames the new one in, and deletes the old.
 * Leftovers of a crash in between are deleted by {@link #clean} at the next start.
 */
final class Superseded {
  static final String DIR = RunStore.SUPERSEDED_DIR;

  private Superseded() {}

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
