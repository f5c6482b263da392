package io.conceptrace.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local, always-written source of truth for every result.
 *
 * <p>Layout (see {@code docs/run-store.md}):
 *
 * <pre>
 * ROOT/EXPERIMENT/STAGE/CELL_ID/cell.json        provenance and status (written last)
 * ROOT/EXPERIMENT/STAGE/CELL_ID/metrics.jsonl    one Metric per line
 * ROOT/EXPERIMENT/STAGE/CELL_ID/...              artifacts (weights, .npy, .csv, .png)
 * ROOT/EXPERIMENT/.tmp/...                       cells being written (never read as results)
 * ROOT/EXPERIMENT/.attempts/STAGE/CELL_ID/*.json records of FAILED and KILLED attempts
 * </pre>
 *
 * <p>A cell directory appears only by an atomic rename of a finished temporary directory, so a
 * process killed at any moment leaves either the whole cell or no cell. Instances are immutable and
 * safe to share between threads and processes.
 */
public final class RunStore {
  public static final String CELL_FILE = "cell.json";
  public static final String METRICS_FILE = "metrics.jsonl";
  static final String TEMP_DIR = ".tmp";
  static final String ATTEMPTS_DIR = ".attempts";

  private final Path root;

  public RunStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  public Path root() {
    return root;
  }

  /** Where a complete cell lives (whether or not it exists yet). */
  public Path cellDirectory(String experiment, String stage, String cellId) {
    return root.resolve(StoreNames.requireSafe("experiment", experiment))
        .resolve(StoreNames.requireSafe("stage", stage))
        .resolve(StoreNames.requireSafe("cell id", cellId));
  }

  /** The complete cell, if one was committed. */
  public Optional<StoredCell> find(String experiment, String stage, String cellId) {
    Path dir = cellDirectory(experiment, stage, cellId);
    Path record = dir.resolve(CELL_FILE);
    if (!Files.isRegularFile(record)) {
      return Optional.empty();
    }
    return Optional.of(new StoredCell(dir, Json.read(record, CellRecord.class)));
  }

  public boolean isComplete(String experiment, String stage, String cellId) {
    return Files.isRegularFile(cellDirectory(experiment, stage, cellId).resolve(CELL_FILE));
  }

  /** Experiments that have anything in the store, sorted. */
  public List<String> experiments() {
    return childNames(root);
  }

  /** Every complete cell of an experiment, by stage then cell id. */
  public List<StoredCell> cells(String experiment) {
    List<StoredCell> out = new ArrayList<>();
    for (String stage : childNames(root.resolve(experiment))) {
      out.addAll(cells(experiment, stage));
    }
    return out;
  }

  /** Every complete cell of one stage, by cell id. */
  public List<StoredCell> cells(String experiment, String stage) {
    List<StoredCell> out = new ArrayList<>();
    for (String id : childNames(root.resolve(experiment).resolve(stage))) {
      find(experiment, stage, id).ifPresent(out::add);
    }
    return out;
  }

  /** Records of attempts that did not finish (FAILED or KILLED), oldest first. */
  public List<CellRecord> attempts(String experiment) {
    Path dir = root.resolve(experiment).resolve(ATTEMPTS_DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files
          .filter(p -> p.toString().endsWith(".json"))
          .map(p -> Json.read(p, CellRecord.class))
          .sorted(Comparator.comparing(CellRecord::finishedAt))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts writing a cell into a fresh temporary directory. Close the writer in try-with-resources:
   * a writer closed without {@link CellWriter#commit} removes its files.
   */
  public CellWriter open(String experiment, String stage, String cellId) {
    return CellWriter.open(this, experiment, stage, cellId);
  }

  /**
   * Removes temporary directories left by writers that died (their process is gone). Returns how
   * many were removed. Safe to call while other processes write: live writers' directories stay.
   */
  public int removeAbandonedTemporaries(String experiment) {
    Path tmp = root.resolve(experiment).resolve(TEMP_DIR);
    int removed = 0;
    for (String name : childNames(tmp)) {
      if (!TempName.ownerIsAlive(name)) {
        deleteTree(tmp.resolve(name));
        removed++;
      }
    }
    return removed;
  }

  private static List<String> childNames(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children
          .filter(Files::isDirectory)
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
