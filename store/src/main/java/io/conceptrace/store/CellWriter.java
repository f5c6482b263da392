package io.conceptrace.store;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes one cell into a temporary directory and publishes it with one atomic rename. Not
 * thread-safe: one writer per cell and thread.
 */
public final class CellWriter implements AutoCloseable {
  private static final int MAX_COMMIT_TRIES = 4;
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

  /**
   * The cell's work area ({@link RunStore#workArea}), created: files there outlive this attempt (a
   * killed or failed one included) until the cell is committed, which deletes them. Write only what
   * a later attempt can verify before trusting it (a kill can interrupt any write).
   */
  public Path workArea() {
    Path dir = store.workArea(experiment, stage, cellId);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    return dir;
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
   * Publishes the cell: records every file's size and hash in {@code cell.json}, syncs the files,
   * and renames the directory into place in one atomic step. If another process already published
   * the same cell, its copy wins and this one is discarded (both computed the same
   * content-addressed result). A damaged directory in the way (no record, or files that do not
   * match it) never blocks the commit: it is quarantined ({@link RunStore#quarantine}).
   */
  public StoredCell commit(CellRecord record) {
    return publish(record, false);
  }

  /**
   * As {@link #commit}, but an intact cell already in place is replaced (what {@code --force}
   * does). The old cell stays readable until this one is complete: it is renamed aside just before
   * this one is renamed in, and deleted after.
   */
  public StoredCell replace(CellRecord record) {
    return publish(record, true);
  }

  private StoredCell publish(CellRecord record, boolean replaceIntact) {
    ensureOpen();
    requireOwn(record);
    if (record.status() != CellStatus.FINISHED) {
      throw new IllegalArgumentException("commit takes FINISHED records; use abandon for others");
    }
    closeMetrics();
    Path target = store.cellDirectory(experiment, stage, cellId);
    try {
      CellRecord complete = record.withFiles(digests(temp));
      Files.write(temp.resolve(RunStore.CELL_FILE), Json.pretty(complete));
      syncTree(temp);
      Files.createDirectories(target.getParent());
      Path old = null;
      for (int tries = 1; ; tries++) {
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
          break;
        } catch (AtomicMoveNotSupportedException e) {
          throw new IllegalStateException(
              "the run store's file system cannot rename atomically: " + store.root(), e);
        } catch (FileSystemException e) {
          // rename(2) onto a non-empty directory fails (ENOTEMPTY/EEXIST): something is in the
          // way. A full or read-only disk fails the same call; that is no reason to retry.
          if (StoreFault.of(e).isPresent() || tries == MAX_COMMIT_TRIES) {
            throw e;
          }
          CellCheck inTheWay = store.check(experiment, stage, cellId, Verification.QUICK);
          if (inTheWay.isIntact() && !replaceIntact) {
            RunStore.deleteTree(temp); // another writer won
            break;
          }
          if (inTheWay.isIntact()) {
            old = moveAside(target);
          } else if (inTheWay.isDamaged()) {
            store.quarantine(experiment, stage, cellId, inTheWay.problem());
          }
        }
      }
      syncDirectory(target.getParent());
      done = true;
      if (old != null) {
        deleteQuietly(old);
      }
      // The cell is complete (ours or another writer's): checkpoints towards it are spent.
      deleteQuietly(store.workArea(experiment, stage, cellId));
      return store
          .find(experiment, stage, cellId)
          .orElseThrow(() -> new IllegalStateException("committed cell vanished: " + target));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit cell " + cellId + " to " + target, e);
    }
  }

  /** Size, hash and time of every file in the directory, by relative path. */
  private static Map<String, FileDigest> digests(Path dir) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    Map<String, FileDigest> out = new TreeMap<>();
    for (Path f : files) {
      String name = dir.relativize(f).toString();
      if (!name.equals(RunStore.CELL_FILE)) {
        out.put(name, FileDigest.of(f));
      }
    }
    return out;
  }

  /** Renames a cell about to be replaced into the experiment's {@code .superseded/}. */
  private Path moveAside(Path cell) throws IOException {
    Path aside =
        store
            .root()
            .resolve(experiment)
            .resolve(RunStore.SUPERSEDED_DIR)
            .resolve(TempName.create(stage, cellId));
    Files.createDirectories(aside.getParent());
    try {
      Files.move(cell, aside, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return null; // gone already
    }
    return aside;
  }

  private static void deleteQuietly(Path dir) {
    try {
      RunStore.deleteTree(dir);
    } catch (UncheckedIOException e) {
      // Only a leftover: the next run's cleanup removes it.
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
      // Best effort: on a full or read-only disk the reason above matters, not this.
      deleteQuietly(temp);
      done = true;
    }
  }

  /** Discards an uncommitted cell's files. */
  @Override
  public void close() {
    if (!done) {
      done = true;
      try {
        closeMetrics();
      } catch (UncheckedIOException e) {
        // the files are discarded anyway
      }
      deleteQuietly(temp);
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
