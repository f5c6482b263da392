package io.conceptrace.mlflow;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Json;
import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Remembers each {@code ctrace run} in the run store, so that an offline sync can rebuild the
 * parent run of every invocation with its cells under it. Layout:
 *
 * <pre>
 * ROOT/EXPERIMENT/.invocations/ID/invocation.json   this record, rewritten atomically
 * ROOT/EXPERIMENT/.invocations/ID/FILE              a copy of the experiment file as it ran
 * </pre>
 *
 * Thread-safe.
 */
public final class InvocationJournal {
  static final String DIR = ".invocations";
  static final String FILE = "invocation.json";

  private static final ObjectMapper JSON =
      Json.mapper().copy().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What the journal holds about one invocation.
   *
   * @param invocation the invocation
   * @param status {@code RUNNING} until it ends, then {@code FINISHED}, {@code FAILED} or {@code
   *     KILLED}
   * @param finishedAt when it ended; {@code null} while running
   * @param host the host it ran on
   * @param pid its process id (to tell a crashed invocation from a running one)
   * @param records the cell records it produced, as {@code CELL_ID/RECORD_KEY}
   */
  public record Entry(
      Invocation invocation,
      String status,
      Instant finishedAt,
      String host,
      long pid,
      List<String> records) {
    public Entry {
      Objects.requireNonNull(invocation, "invocation");
      records = List.copyOf(records);
    }

    public boolean running() {
      return RUNNING.equals(status);
    }

    /** Ran on this host and its process is gone without recording an end: it was killed. */
    public boolean abandoned() {
      return running() && host.equals(hostName()) && ProcessHandle.of(pid).isEmpty();
    }

    Entry with(String newStatus, Instant end, List<String> newRecords) {
      return new Entry(invocation, newStatus, end, host, pid, newRecords);
    }
  }

  static final String RUNNING = "RUNNING";

  private final RunStore store;
  private Entry current;
  private Path directory;

  public InvocationJournal(RunStore store) {
    this.store = store;
  }

  /** The key of one cell record in {@link Entry#records()}. */
  public static String recordId(CellRecord record) {
    return record.cellId() + "/" + RunContent.recordKey(record);
  }

  /** Records the start (and copies the experiment file). */
  public synchronized void start(Invocation invocation) {
    directory = store.root().resolve(invocation.experiment()).resolve(DIR).resolve(invocation.id());
    current =
        new Entry(invocation, RUNNING, null, hostName(), ProcessHandle.current().pid(), List.of());
    try {
      Files.createDirectories(directory);
      if (!invocation.experimentFile().isEmpty()) {
        Path file = Path.of(invocation.experimentFile());
        if (Files.isRegularFile(file)) {
          Files.copy(
              file,
              directory.resolve(file.getFileName().toString()),
              StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + directory, e);
    }
    write();
  }

  /** Adds a cell record the invocation produced. */
  public synchronized void cellEnded(CellRecord record) {
    requireStarted();
    List<String> records = new ArrayList<>(current.records());
    records.add(recordId(record));
    current = current.with(current.status(), current.finishedAt(), records);
    write();
  }

  /** Records the end. */
  public synchronized void end(CellStatus status) {
    requireStarted();
    current = current.with(status.name(), Instant.now(), current.records());
    write();
  }

  /** Every journaled invocation of an experiment, oldest first. */
  public static List<Entry> read(RunStore store, String experiment) {
    Path dir = store.root().resolve(experiment).resolve(DIR);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      List<Entry> out = new ArrayList<>();
      for (Path d : children.sorted().toList()) {
        Path f = d.resolve(FILE);
        if (Files.isRegularFile(f)) {
          out.add(JSON.readValue(f.toFile(), Entry.class));
        }
      }
      out.sort(Comparator.comparing(e -> e.invocation().startedAt()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read invocations in " + dir, e);
    }
  }

  /** Files kept with a journaled invocation (the experiment file copy), for upload. */
  public static Path directory(RunStore store, Invocation invocation) {
    return store.root().resolve(invocation.experiment()).resolve(DIR).resolve(invocation.id());
  }

  private void requireStarted() {
    if (current == null) {
      throw new IllegalStateException("startInvocation was not called");
    }
  }

  private void write() {
    try {
      Path tmp = Files.createTempFile(directory, ".invocation", ".part");
      JSON.writeValue(tmp.toFile(), current);
      Files.move(tmp, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + directory.resolve(FILE), e);
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
