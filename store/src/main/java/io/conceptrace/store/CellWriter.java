package io.conceptrace.store;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes one cell into a temporary directory and publishes it with one atomic rename. Not
 * thread-safe: one writer per cell and thread.
 */
public final class CellWriter implements AutoCloseable {
  private final RunStore store;
  private final String experiment;
  private final String stage;
  private final String cellId;
  private final Path temp;
  private BufferedWriter metrics;
  private boolean done;

  private CellWriter(RunStore store, String experiment, String stage, String cellId, Path temp) {
    this.store = store;
    this.experiment = experiment;
    this.stage = stage;
    this.cellId = cellId;
    this.temp = temp;
  }

  static CellWriter open(RunStore store, String experiment, String stage, String cellId) {
    store.cellDirectory(experiment, stage, cellId); // validates the names
    Path temp =
        store
            .root()
            .resolve(experiment)
            .resolve(RunStore.TEMP_DIR)
            .resolve(TempName.create(stage, cellId));
    try {
      Files.createDirectories(temp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + temp, e);
    }
    return new CellWriter(store, experiment, stage, cellId, temp);
  }

  /** The directory artifacts are written into until commit. */
  public Path directory() {
    return temp;
  }

  /** A path for an artifact inside the cell; parent directories are created. */
  public Path file(String relativePath) {
    Path p = temp.resolve(relativePath).normalize();
    if (!p.startsWith(temp) || p.equals(temp)) {
      throw new IllegalArgumentException("artifact path escapes the cell: " + relativePath);
    }
    String name = temp.relativize(p).toString();
    if (name.equals(RunStore.CELL_FILE) || name.equals(RunStore.METRICS_FILE)) {
      throw new IllegalArgumentException(name + " is written by the store itself");
    }
    try {
      Files.createDirectories(p.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** Appends a metric line (flushed, so a live tail sees it). */
  public void metric(String name, long step, double value) {
    metric(new Metric(name, step, value, System.currentTimeMillis()));
  }

  public void metric(Metric m) {
    ensureOpen();
    try {
      if (metrics == null) {
        metrics =
            Files.newBufferedWriter(
                temp.resolve(RunStore.METRICS_FILE),
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
      }
      metrics.write(Json.line(m));
      metrics.newLine();
      metrics.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Publishes the cell: writes {@code cell.json}, syncs the files, and renames the directory into
   * place in one atomic step. If another process already published the same cell, its copy wins and
   * this one is discarded (both computed the same content-addressed result).
   */
  public StoredCell commit(CellRecord record) {
    ensureOpen();
    requireOwn(record);
    if (record.status() != CellStatus.FINISHED) {
      throw new IllegalArgumentException("commit takes FINISHED records; use abandon for others");
    }
    closeMetrics();
    try {
      Files.write(temp.resolve(RunStore.CELL_FILE), Json.pretty(record));
      syncTree(temp);
      Path target = store.cellDirectory(experiment, stage, cellId);
      Files.createDirectories(target.getParent());
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IllegalStateException(
            "the run store's file system cannot rename atomically: " + store.root(), e);
      } catch (FileSystemException e) {
        // rename(2) onto a non-empty directory fails (ENOTEMPTY/EEXIST): another writer won.
        if (!store.isComplete(experiment, stage, cellId)) {
          throw e;
        }
        RunStore.deleteTree(temp);
      }
      syncDirectory(target.getParent());
      done = true;
      return store
          .find(experiment, stage, cellId)
          .orElseThrow(() -> new IllegalStateException("committed cell vanished: " + target));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit cell " + cellId, e);
    }
  }

  /**
   * Records an attempt that did not finish (FAILED or KILLED) and removes its partial files, so
   * that nothing partial can be mistaken for a result.
   */
  public void abandon(CellRecord record) {
    ensureOpen();
    requireOwn(record);
    if (record.status() == CellStatus.FINISHED) {
      throw new IllegalArgumentException("abandon takes FAILED or KILLED records");
    }
    closeMetrics();
    Path dir =
        store
            .root()
            .resolve(experiment)
            .resolve(RunStore.ATTEMPTS_DIR)
            .resolve(stage)
            .resolve(cellId);
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".attempt", ".part");
      Files.write(tmp, Json.pretty(record));
      Files.move(
          tmp,
          dir.resolve(record.finishedAt().toEpochMilli() + "-" + record.status() + ".json"),
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record attempt of " + cellId, e);
    } finally {
      RunStore.deleteTree(temp);
      done = true;
    }
  }

  /** Discards an uncommitted cell's files. */
  @Override
  public void close() {
    if (!done) {
      closeMetrics();
      RunStore.deleteTree(temp);
      done = true;
    }
  }

  /** A record for this writer's cell, for callers that have nothing more to say. */
  public CellRecord.Builder recordBuilder() {
    return CellRecord.builder(cellId, experiment, stage);
  }

  private void requireOwn(CellRecord record) {
    if (!record.cellId().equals(cellId)
        || !record.stage().equals(stage)
        || !record.experiment().equals(experiment)) {
      throw new IllegalArgumentException(
          "record is for " + record.stage() + "/" + record.cellId() + ", writer is for " + cellId);
    }
  }

  private void ensureOpen() {
    if (done) {
      throw new IllegalStateException("cell " + cellId + " is already committed or closed");
    }
  }

  private void closeMetrics() {
    if (metrics != null) {
      try {
        metrics.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      metrics = null;
    }
  }

  private static void syncTree(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) {
    // Linux lets a directory be opened read-only and fsync'ed; elsewhere this is best effort.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not supported on this platform
    }
  }
}
