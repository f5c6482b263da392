package io.conceptrace.runner.exec;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one cell in this process: reads its complete inputs from the run store, writes it through a
 * {@link CellWriter}, and settles it as committed, FAILED or KILLED. This is the "what runs" half
 * of execution; an {@link Executor} calls it on its workers (locally today; a cluster task would
 * call it for one cell id). Thread-safe.
 */
public final class CellTask {
  private static final Logger LOG = LoggerFactory.getLogger(CellTask.class);

  private final RunStore store;
  private final ExecutionPlan plan;
  private final Map<String, PlannedCell> byId;
  private final Map<String, StageRunner> runners;
  private final Map<String, String> provenance;
  private final CancellationToken token;
  private final ExecutionListener listener;
  private final InFlightCells inFlight;

  CellTask(
      RunStore store,
      ExecutionPlan plan,
      Map<String, StageRunner> runners,
      Map<String, String> provenance,
      CancellationToken token,
      ExecutionListener listener,
      InFlightCells inFlight) {
    this.store = store;
    this.plan = plan;
    this.byId = plan.byId();
    this.runners = Map.copyOf(runners);
    this.provenance = Map.copyOf(provenance);
    this.token = token;
    this.listener = listener;
    this.inFlight = inFlight;
  }

  public CancellationToken token() {
    return token;
  }

  /** The cell's complete output, if the run store has it. */
  public Optional<StoredCell> find(PlannedCell cell) {
    return store.find(plan.experiment(), cell.stage(), cell.id());
  }

  /** Runs the cell and returns how it ended; never throws for the cell's own failures. */
  public CellOutcome run(PlannedCell cell) {
    Instant start = Instant.now();
    listener.cellStarted(cell);
    CellOutcome outcome;
    try {
      outcome = attempt(cell, start);
    } catch (RuntimeException e) {
      // The store itself failed (disk full, permissions): the attempt cannot even be recorded.
      LOG.debug("cannot run {}", cell.label(), e);
      outcome = new CellOutcome(cell, CellState.FAILED, describe(e), start, Instant.now());
    }
    listener.cellEnded(outcome);
    return outcome;
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
      inputs.add(stored.get());
    }
    if (plan.replaced().contains(cell.id())) {
      Superseded.retire(store, plan.experiment(), cell.stage(), cell.id());
    }
    try (CellWriter writer = store.open(plan.experiment(), cell.stage(), cell.id())) {
      InFlightCell flight =
          new InFlightCell(cell, writer, () -> baseRecord(writer, cell, start, provenance));
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
      // decides whether to go on. The reason names the exception so the one line is useful.
      failedAs = token.isCancelled() ? CellStatus.KILLED : CellStatus.FAILED;
      reason = token.isCancelled() ? token.reason() : describe(e);
      LOG.debug("{} failed", cell.label(), e);
    }
    CellStatus settledAs = flight.abandon(failedAs, reason);
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
