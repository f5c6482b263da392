package io.conceptrace.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
 * ROOT/EXPERIMENT/.attempts/STAGE/CELL_ID/TIME-DAMAGED/  a damaged cell, moved out of the way
 * ROOT/EXPERIMENT/.claims/STAGE~CELL_ID.json     which process is computing a cell now
 * ROOT/EXPERIMENT/.work/STAGE/CELL_ID/           an unfinished cell's checkpoints (across attempts)
 * </pre>
 *
 * <p>A cell directory appears only by an atomic rename of a finished temporary directory, so a
 * process killed at any moment leaves either the whole cell or no cell. Its {@code cell.json}
 * records the size and SHA-256 of every file, so that damage done afterwards (a truncated copy, a
 * deleted file, a garbage record) is found by {@link #check} instead of being read as a result.
 * Instances are immutable and safe to share between threads and processes.
 */
public final class RunStore {
  public static final String CELL_FILE = "cell.json";
  public static final String METRICS_FILE = "metrics.jsonl";
  static final String TEMP_DIR = ".tmp";
  static final String ATTEMPTS_DIR = ".attempts";
  static final String CLAIMS_DIR = ".claims";
  static final String WORK_DIR = ".work";

  /** Where replaced cells go for the moment between their replacement's commit and deletion. */
  public static final String SUPERSEDED_DIR = ".superseded";

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

  /**
   * The work area of a cell that is not finished: where an attempt keeps what a later attempt may
   * resume from (e.g. an attribution's per-model checkpoints). Unlike the attempt's temporary
   * directory it survives a killed or failed attempt; only the process holding the cell's claim
   * uses it, and a commit deletes it (a finished cell keeps no checkpoints). Not created here.
   */
  public Path workArea(String experiment, String stage, String cellId) {
    cellDirectory(experiment, stage, cellId); // validates the names
    return root.resolve(experiment).resolve(WORK_DIR).resolve(stage).resolve(cellId);
  }

  /**
   * The committed cell, if its {@code cell.json} is a readable record (its files are not checked:
   * see {@link #check}). A garbage record is no cell.
   */
  public Optional<StoredCell> find(String experiment, String stage, String cellId) {
    Path dir = cellDirectory(experiment, stage, cellId);
    Path record = dir.resolve(CELL_FILE);
    if (!Files.isRegularFile(record)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new StoredCell(dir, Json.read(record, CellRecord.class)));
    } catch (UncheckedIOException e) {
      if (StoreFault.of(e).isPresent()) {
        throw e; // the store cannot be read at all: say so instead of "missing"
      }
      return Optional.empty();
    }
  }

  /** Whether a cell was committed and its record is readable (files not checked). */
  public boolean isComplete(String experiment, String stage, String cellId) {
    return find(experiment, stage, cellId).isPresent();
  }

  /**
   * Whether the cell's directory holds what its {@code cell.json} says: a readable record for this
   * cell that lists its files, and every listed file with its recorded size (and, as {@code depth}
   * asks, content hash). A directory without a record, or with a record written before records
   * listed their files, is damaged: nothing proves its files are whole.
   */
  public CellCheck check(String experiment, String stage, String cellId, Verification depth) {
    Path dir = cellDirectory(experiment, stage, cellId);
    if (!Files.exists(dir)) {
      return CellCheck.ofAbsent();
    }
    if (!Files.isDirectory(dir)) {
      return CellCheck.ofDamaged(dir.getFileName() + " is not a directory");
    }
    Path recordFile = dir.resolve(CELL_FILE);
    if (!Files.isRegularFile(recordFile)) {
      return CellCheck.ofDamaged(CELL_FILE + " is missing");
    }
    CellRecord record;
    try {
      JsonNode tree = Json.mapper().readTree(recordFile.toFile());
      if (tree == null || !tree.isObject()) {
        return CellCheck.ofDamaged(CELL_FILE + " is not a cell record (no JSON object)");
      }
      if (!tree.has("files")) {
        return CellCheck.ofDamaged(
            CELL_FILE + " lists no file sizes or hashes (written by an older ctrace)");
      }
      record = Json.mapper().treeToValue(tree, CellRecord.class);
    } catch (IOException | IllegalArgumentException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return CellCheck.ofDamaged(
          CELL_FILE + " is not a cell record: " + why.lines().findFirst().orElse(""));
    }
    if (!record.cellId().equals(cellId)
        || !record.stage().equals(stage)
        || record.status() != CellStatus.FINISHED) {
      return CellCheck.ofDamaged(
          CELL_FILE
              + " is the "
              + record.status()
              + " record of "
              + record.stage()
              + "/"
              + record.cellId());
    }
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, FileDigest> e : new TreeMap<>(record.files()).entrySet()) {
      fileProblem(dir, e.getKey(), e.getValue(), depth).ifPresent(problems::add);
    }
    if (problems.isEmpty()) {
      return CellCheck.ofIntact();
    }
    String first = problems.get(0);
    return CellCheck.ofDamaged(
        problems.size() == 1 ? first : first + " (and " + (problems.size() - 1) + " more file(s))");
  }

  private static Optional<String> fileProblem(
      Path dir, String name, FileDigest recorded, Verification depth) {
    Path file = dir.resolve(name).normalize();
    if (!file.startsWith(dir) || file.equals(dir)) {
      return Optional.of(CELL_FILE + " lists a file outside the cell: " + name);
    }
    try {
      if (!Files.isRegularFile(file)) {
        return Optional.of(name + " is missing");
      }
      long size = Files.size(file);
      if (size != recorded.size()) {
        return Optional.of(
            name + " has " + size + " bytes, " + CELL_FILE + " records " + recorded.size());
      }
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      if (depth == Verification.QUICK && modified.equals(recorded.modified())) {
        return Optional.empty();
      }
      String hash = FileDigest.sha256(file);
      if (!hash.equals(recorded.sha256())) {
        return Optional.of(
            name
                + " has SHA-256 "
                + hash.substring(0, 16)
                + "…, "
                + CELL_FILE
                + " records "
                + recorded.sha256().substring(0, Math.min(16, recorded.sha256().length()))
                + "…");
      }
      return Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.of(name + " is missing");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Moves a damaged cell's directory out of the results, to {@code
   * .attempts/STAGE/CELL_ID/TIME-DAMAGED/}, with a {@code TIME-DAMAGED.txt} beside it saying why.
   * Nothing is deleted: the files may still be worth a look. Returns where it went; empty if the
   * directory was gone already (another process moved it first).
   */
  public Optional<Path> quarantine(String experiment, String stage, String cellId, String why) {
    Path cell = cellDirectory(experiment, stage, cellId);
    Path dir = root.resolve(experiment).resolve(ATTEMPTS_DIR).resolve(stage).resolve(cellId);
    String name = System.currentTimeMillis() + "-DAMAGED";
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve(name);
      for (int n = 2; Files.exists(target); n++) {
        target = dir.resolve(name + "-" + n);
      }
      try {
        Files.move(cell, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      Files.writeString(
          dir.resolve(target.getFileName() + ".txt"), why + "\n", StandardCharsets.UTF_8);
      return Optional.of(target);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot move damaged cell " + cell + " aside", e);
    }
  }

  /**
   * Fails with the file system's own reason when nothing can be written under the experiment (a
   * full disk, a read-only store, no permission): checked before a run starts, so that it says so
   * once instead of failing cell by cell.
   */
  public void requireWritable(String experiment) {
    Path tmp = root.resolve(StoreNames.requireSafe("experiment", experiment)).resolve(TEMP_DIR);
    Path probe =
        tmp.resolve(".writable~" + ProcessHandle.current().pid() + "~" + System.nanoTime());
    try {
      Files.createDirectories(tmp);
      Files.write(probe, new byte[] {1});
      Files.delete(probe);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write in the run store " + tmp, e);
    }
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

  /**
   * Records of attempts that did not finish (FAILED or KILLED), oldest first. Quarantined cells
   * beside them are not attempts and are not read.
   */
  public List<CellRecord> attempts(String experiment) {
    Path dir = root.resolve(experiment).resolve(ATTEMPTS_DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    // STAGE/CELL_ID/TIME-STATUS.json, exactly three levels down.
    try (Stream<Path> files = Files.walk(dir, 3)) {
      return files
          .filter(p -> dir.relativize(p).getNameCount() == 3)
          .filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p))
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
