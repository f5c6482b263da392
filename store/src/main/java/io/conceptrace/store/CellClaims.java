package io.conceptrace.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-cell claims: which process is computing a cell right now, so that two runs on one store (on
 * one machine, or on nodes sharing its file system) never compute the same cell at once and instead
 * share the work. A claim is a small file {@code EXPERIMENT/.claims/STAGE~CELL_ID.json} naming its
 * owner (host, pid, process start, a nonce), created atomically with {@code link(2)} so that
 * exactly one process wins and nobody reads a half-written claim. The owner touches its claims'
 * modification time every {@code heartbeat} while it works.
 *
 * <p>A claim is stale, and taken over, when its owner is known to be gone: on the same host, its
 * pid is dead (or belongs to a later process); on another host, whose processes cannot be seen, its
 * heartbeat is older than {@code staleAfter}. Taking over renames the stale file away first, so
 * that of several processes taking over at once only one succeeds. Thread-safe; one instance per
 * run, closed when the run ends (which releases what it still holds).
 */
public final class CellClaims implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CellClaims.class);
  private static final String SEP = "~";

  /**
   * The defaults for {@code ctrace run}: touch every 10 s, another host's claim is stale at 2 min.
   */
  public static final Duration HEARTBEAT = Duration.ofSeconds(10);

  public static final Duration STALE_AFTER = Duration.ofMinutes(2);

  private final Path directory;
  private final Duration staleAfter;
  private final Clock clock;
  private final Map<Path, Claim> held = new ConcurrentHashMap<>();
  private final ScheduledExecutorService heartbeat;

  public CellClaims(RunStore store, String experiment, Duration heartbeat, Duration staleAfter) {
    this.directory =
        store
            .root()
            .resolve(StoreNames.requireSafe("experiment", experiment))
            .resolve(RunStore.CLAIMS_DIR);
    this.staleAfter = staleAfter;
    this.clock = Clock.systemUTC();
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ctrace-claims");
              t.setDaemon(true);
              return t;
            });
    long ms = heartbeat.toMillis();
    this.heartbeat.scheduleAtFixedRate(this::beat, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** The claim on one cell, released by {@link #close()}. */
  public final class Claim implements AutoCloseable {
    private final Path file;
    private final ClaimOwner owner;

    private Claim(Path file, ClaimOwner owner) {
      this.file = file;
      this.owner = owner;
    }

    public ClaimOwner owner() {
      return owner;
    }

    /** Deletes the claim file if it is still this claim. */
    @Override
    public void close() {
      held.remove(file, this);
      if (read(file).map(o -> o.nonce().equals(owner.nonce())).orElse(false)) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // A leftover claim of a process that then ends is stale and taken over.
          LOG.debug("cannot delete claim {}", file, e);
        }
      }
    }
  }

  /**
   * Claims a cell for this process. Empty when a live owner holds it (the caller computes something
   * else and asks again later); a stale claim is taken over.
   */
  public Optional<Claim> tryClaim(String stage, String cellId) {
    StoreNames.requireSafe("stage", stage);
    StoreNames.requireSafe("cell id", cellId);
    Path file = directory.resolve(stage + SEP + cellId + ".json");
    try {
      Files.createDirectories(directory);
      for (int tries = 0; tries < 3; tries++) {
        ClaimOwner me =
            new ClaimOwner(
                TempName.host(),
                ProcessHandle.current().pid(),
                TempName.processStart(ProcessHandle.current()).orElse(null),
                UUID.randomUUID().toString(),
                clock.instant());
        if (create(file, me)) {
          Claim claim = new Claim(file, me);
          held.put(file, claim);
          return Optional.of(claim);
        }
        Optional<ClaimOwner> owner = read(file);
        if (owner.isEmpty()) {
          continue; // released meanwhile: try again
        }
        if (!isStale(file, owner.get())) {
          return Optional.empty();
        }
        takeOver(file, owner.get());
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot claim " + stage + "/" + cellId + " in " + directory, e);
    }
  }

  /** Who holds a cell's claim now, if anyone (stale or not). */
  public Optional<ClaimOwner> owner(String stage, String cellId) {
    return read(directory.resolve(stage + SEP + cellId + ".json"));
  }

  /** Stops the heartbeat and releases every claim this process still holds. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    held.values().forEach(Claim::close);
  }

  /** Writes the owner into a private file, then links it into place: atomic, and never partial. */
  private boolean create(Path file, ClaimOwner me) throws IOException {
    Path draft = directory.resolve("." + me.nonce() + ".draft");
    Files.write(draft, Json.pretty(me), StandardOpenOption.CREATE_NEW);
    try {
      Files.createLink(file, draft);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (UnsupportedOperationException e) {
      // A file system without hard links: an exclusive rename is the next best thing.
      try {
        Files.move(draft, file);
        return true;
      } catch (FileAlreadyExistsException taken) {
        return false;
      }
    } finally {
      Files.deleteIfExists(draft);
    }
  }

  private boolean isStale(Path file, ClaimOwner owner) throws IOException {
    if (owner.host().equals(TempName.host())) {
      Optional<ProcessHandle> process = ProcessHandle.of(owner.pid());
      if (process.isEmpty() || !process.get().isAlive()) {
        return true;
      }
      Optional<Instant> started = TempName.processStart(process.get());
      // A pid reused by a later process is not the owner.
      return owner.processStart() != null
          && started.isPresent()
          && !started.get().equals(owner.processStart());
    }
    try {
      Instant beat = Files.getLastModifiedTime(file).toInstant();
      return Duration.between(beat, clock.instant()).compareTo(staleAfter) > 0;
    } catch (NoSuchFileException e) {
      return false; // released meanwhile; the next try creates it
    }
  }

  /**
   * Renames the stale claim away (only one of several takers can), checks that it moved the claim
   * it judged stale and not a successor's fresh one (which it puts back), and deletes it.
   */
  private void takeOver(Path file, ClaimOwner stale) throws IOException {
    Path moved = directory.resolve("." + UUID.randomUUID() + ".stale");
    try {
      Files.move(file, moved, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return; // someone else took it over
    }
    Optional<ClaimOwner> movedOwner = read(moved);
    if (movedOwner.isPresent() && !movedOwner.get().nonce().equals(stale.nonce())) {
      try {
        Files.createLink(file, moved);
      } catch (FileAlreadyExistsException e) {
        // A third process claimed meanwhile; that successor keeps it, the first computes too.
      }
    } else {
      LOG.info(
          "taking over the claim of {} (owner {} is gone)", file.getFileName(), stale.describe());
    }
    Files.deleteIfExists(moved);
  }

  private void beat() {
    FileTime now = FileTime.from(clock.instant());
    for (Claim c : held.values()) {
      try {
        Files.setLastModifiedTime(c.file, now);
      } catch (IOException e) {
        LOG.warn("cannot renew the claim {}: {}", c.file, e.getMessage());
      }
    }
  }

  private static Optional<ClaimOwner> read(Path file) {
    try {
      return Optional.of(Json.mapper().readValue(file.toFile(), ClaimOwner.class));
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      // Unreadable (garbage, or a file system without atomic create): treat as held, briefly.
      return Optional.of(new ClaimOwner("unknown", -1, null, "unreadable", Instant.EPOCH));
    }
  }
}
