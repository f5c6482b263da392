package io.conceptrace.runner.exec;

import io.conceptrace.store.CellCheck;
import io.conceptrace.store.CellClaims;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoreFault;
import io.conceptrace.store.StoredCell;
import io.conceptrace.store.Verification;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one cell in this process: claims it in the run store (so that no other run computes it at
 * the same time), reads its complete inputs, writes it through a {@link CellWriter}, and settles it
 * as committed, FAILED or KILLED. This is the "what runs" half of execution; an {@link Executor}
 * calls it on its workers (locally, or for one cell id in a Slurm job). Thread-safe.
 */
public final class CellTask {
  private static final Logger LOG = LoggerFactory.getLogger(CellTask.class);

  /** How often {@link #run} asks again for a cell that another process is computing. */
  static final Duration CLAIM_POLL = Duration.ofMillis(500);

  private final RunStore store;
  private final ExecutionPlan plan;
  private final Map<String, PlannedCell> byId;
  private final Map<String, StageRunner> runners;
  private final Map<String, String> provenance;
  private final CancellationToken token;
  private final ExecutionListener listener;
  private final InFlightCells inFlight;
  private final CellClaims claims;
  private final StoreFaults faults;

  CellTask(
      RunStore store,
      ExecutionPlan plan,
      Map<String, StageRunner> runners,
      Map<String, String> provenance,
      CancellationToken token,
      ExecutionListener listener,
      InFlightCells inFlight,
      CellClaims claims,
      StoreFaults faults) {
    this.store = store;
    this.plan = plan;
    this.byId = plan.byId();
    this.runners = Map.copyOf(runners);
    this.provenance = Map.copyOf(provenance);
    this.token = token;
    this.listener = listener;
    this.inFlight = inFlight;
    this.claims = claims;
    this.faults = faults;
  }

  public CancellationToken token() {
    return token;
  }

  /** The cell's complete output, if the run store has it. */
  public Optional<StoredCell> find(PlannedCell cell) {
    return store.find(plan.experiment(), cell.stage(), cell.id());
  }

  /** The first file-system fault of the run store in this run, if any (the run stops at it). */
  public Optional<StoreFault> storeFault() {
    return faults.first();
  }

  /**
   * Runs the cell unless another live process holds its claim: then empty, and the caller asks
   * again later. Never throws for the cell's own failures.
   */
  public Optional<CellOutcome> tryRun(PlannedCell cell) {
    Instant start = Instant.now();
    Optional<CellClaims.Claim> claim;
    try {
      claim = claims.tryClaim(cell.stage(), cell.id());
    } catch (RuntimeException e) {
      return Optional.of(storeFailure(cell, e, start, null));
    }
    if (claim.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(runClaimed(cell, start));
    } finally {
      claim.get().close();
    }
  }

  /** Runs the cell, waiting while another process computes it; returns how it ended. */
  public CellOutcome run(PlannedCell cell) {
    while (true) {
      Optional<CellOutcome> outcome = tryRun(cell);
      if (outcome.isPresent()) {
        return outcome.get();
      }
      try {
        token.check();
        Thread.sleep(CLAIM_POLL.toMillis());
      } catch (CellCancelledException | InterruptedException e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        Instant now = Instant.now();
        return new CellOutcome(
            cell, CellState.NOT_RUN, "stopped while another process computed it", now, now);
      }
    }
  }

  private CellOutcome runClaimed(PlannedCell cell, Instant start) {
    if (!plan.replaced().contains(cell.id())) {
      // While this process waited for the claim, another may have computed the cell (or repaired
      // it); a damaged directory in the way is moved aside before the cell is computed again.
      CellCheck found;
      try {
        found = store.check(plan.experiment(), cell.stage(), cell.id(), Verification.QUICK);
        if (found.isDamaged()) {
          store
              .quarantine(plan.experiment(), cell.stage(), cell.id(), found.problem())
              .ifPresent(to -> LOG.info("moved damaged {} to {}", cell.label(), to));
        }
      } catch (RuntimeException e) {
        return storeFailure(cell, e, start, null);
      }
      if (found.isIntact()) {
        Optional<StoredCell> stored = find(cell);
        if (stored.isPresent()) {
          CellOutcome done = CellOutcome.of(cell, CellState.CACHED, stored.get());
          listener.cellEnded(done);
          return done;
        }
      }
    }
    listener.cellStarted(cell);
    CellOutcome outcome;
    try {
      outcome = attempt(cell, start);
    } catch (RuntimeException e) {
      // The store itself failed (disk full, permissions): the attempt cannot even be recorded.
      LOG.debug("cannot run {}", cell.label(), e);
      outcome = storeFailure(cell, e, start, null);
    }
    listener.cellEnded(outcome);
    return outcome;
  }

  /** A FAILED outcome for a problem of the store itself, named by the OS's reason if it is one. */
  private CellOutcome storeFailure(PlannedCell cell, Throwable e, Instant start, Path where) {
    Path at =
        where != null ? where : store.cellDirectory(plan.experiment(), cell.stage(), cell.id());
    String why = faults.record(e, at).map(StoreFault::line).orElse(describe(e));
    return new CellOutcome(cell, CellState.FAILED, why, start, Instant.now());
  }

  private CellOutcome attempt(PlannedCell cell, Instant start) {
    StageRunner runner = runners.get(cell.stage());
    if (runner == null) {
      return new CellOutcome(
          cell, CellState.FAILED, "no runner for stage " + cell.stage(), start, Instant.now());
    }
    List<StoredCell> inputs = new ArrayList<>();
    for (String id : cell.inputs()) {
      PlannedCell in = byId.get(id);
      Optional<StoredCell> stored =
          in == null ? Optional.empty() : store.find(plan.experiment(), in.stage(), id);
      if (stored.isEmpty()) {
        return new CellOutcome(
            cell,
            CellState.BLOCKED,
            "input " + (in == null ? id : in.label()) + " has no complete output",
            start,
            Instant.now());
      }
      // A job that computes one cell (Slurm) does not repair its inputs: it refuses damaged ones.
      CellCheck input = store.check(plan.experiment(), in.stage(), id, Verification.QUICK);
      if (!input.isIntact()) {
        return new CellOutcome(
            cell,
            CellState.BLOCKED,
            "input " + in.label() + " is damaged: " + input.problem(),
            start,
            Instant.now());
      }
      inputs.add(stored.get());
    }
    try (CellWriter writer = store.open(plan.experiment(), cell.stage(), cell.id())) {
      // A forced cell replaces its old output only when it commits: a failure keeps the old one.
      InFlightCell flight =
          new InFlightCell(
              cell,
              writer,
              plan.replaced().contains(cell.id()),
              () -> baseRecord(writer, cell, start, provenance));
      inFlight.add(flight);
      try {
        return execute(runner, cell, writer, inputs, flight, start);
      } finally {
        inFlight.remove(flight);
      }
    }
  }

  private CellOutcome execute(
      StageRunner runner,
      PlannedCell cell,
      CellWriter writer,
      List<StoredCell> inputs,
      InFlightCell flight,
      Instant start) {
    CellStatus failedAs;
    String reason;
    try {
      token.check();
      CellContext ctx =
          new CellContext(
              plan.experiment(), cell, writer, inputs, token, listener, flight, provenance, start);
      runner.run(ctx);
      Optional<CellStatus> settled = flight.settled();
      if (settled.isPresent() && settled.get() != CellStatus.FINISHED) {
        return ended(cell, settled.get(), token.reason(), start, flight);
      }
      Optional<StoredCell> stored = store.find(plan.experiment(), cell.stage(), cell.id());
      if (stored.isPresent()) {
        return CellOutcome.of(cell, CellState.FINISHED, stored.get());
      }
      failedAs = CellStatus.FAILED;
      reason = "the stage runner returned without committing the cell";
    } catch (CellCancelledException e) {
      failedAs = CellStatus.KILLED;
      reason = e.getMessage();
    } catch (CellFailedException e) {
      failedAs = CellStatus.FAILED;
      reason = e.getMessage();
      LOG.debug("{} failed", cell.label(), e);
    } catch (Exception | Error e) {
      // Any other problem (a bug, an I/O error, out of memory) fails this cell only; the run
      // decides whether to go on. The reason names the exception so the one line is useful; a
      // full or read-only disk is named by the operating system's own words and stops the run.
      Optional<StoreFault> fault = faults.record(e, writer.directory());
      failedAs = token.isCancelled() ? CellStatus.KILLED : CellStatus.FAILED;
      reason =
          token.isCancelled()
              ? token.reason()
              : fault.map(StoreFault::line).orElseGet(() -> describe(e));
      LOG.debug("{} failed", cell.label(), e);
    }
    CellStatus settledAs;
    try {
      settledAs = flight.abandon(failedAs, reason);
    } catch (RuntimeException e) {
      // The attempt cannot be recorded (the disk that failed the cell is still full): the reason
      // why the cell failed matters more than why its record could not be written.
      LOG.debug("cannot record the attempt of {}", cell.label(), e);
      if (faults.record(e, writer.directory()).isEmpty()) {
        throw e;
      }
      return new CellOutcome(
          cell,
          failedAs == CellStatus.KILLED ? CellState.KILLED : CellState.FAILED,
          reason,
          start,
          Instant.now());
    }
    if (settledAs == CellStatus.FINISHED) {
      // Committed by the stage just before a failure surfaced (e.g. while closing a resource).
      Optional<StoredCell> stored = store.find(plan.experiment(), cell.stage(), cell.id());
      if (stored.isPresent()) {
        return CellOutcome.of(cell, CellState.FINISHED, stored.get());
      }
    }
    return ended(cell, settledAs, settledAs == failedAs ? reason : token.reason(), start, flight);
  }

  /** The outcome of an abandoned attempt, carrying the attempt's record. */
  private static CellOutcome ended(
      PlannedCell cell, CellStatus status, String why, Instant start, InFlightCell flight) {
    CellState state = status == CellStatus.KILLED ? CellState.KILLED : CellState.FAILED;
    return new CellOutcome(
        cell, state, why, start, Instant.now(), flight.attempt().orElse(null), null);
  }

  /** A record pre-filled with what the plan knows about the cell. */
  static CellRecord.Builder baseRecord(
      CellWriter writer, PlannedCell cell, Instant start, Map<String, String> provenance) {
    return writer
        .recordBuilder()
        .coordinates(cell.coordinates())
        .settings(cell.settings())
        .inputs(cell.inputs())
        .seed(cell.seed())
        .startedAt(start)
        .provenance(provenance);
  }

  /** One line: the message, prefixed with the exception's name unless it is our own kind. */
  static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
    String name = t.getClass().getSimpleName();
    return m.isBlank() ? name : name + ": " + m;
  }
}
