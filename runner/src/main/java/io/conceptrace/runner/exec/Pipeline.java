package io.conceptrace.runner.exec;

import io.conceptrace.core.BadInputException;
import io.conceptrace.store.CellClaims;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoreFault;
import io.conceptrace.store.StoredCell;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a matrix: clean up after crashed runs, plan (what is cached, what is forced), execute
 * through an {@link Executor}, and collect the stages' summary rows. The entry point for {@code
 * ctrace run} and for tests.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  /**
   * What to run.
   *
   * @param experiment the experiment's name (top directory in the run store)
   * @param cells the run matrix's cells (any order; inputs must be among them)
   * @param store the run store
   * @param runners the stage runner of every stage
   * @param force {@code --force} selectors (stage names or cell ids)
   * @param policy what to do when a cell fails
   * @param provenance versions and environment recorded in every cell
   */
  public record Request(
      String experiment,
      List<? extends PlannedCell> cells,
      RunStore store,
      Map<String, StageRunner> runners,
      List<String> force,
      RunPolicy policy,
      Map<String, String> provenance) {
    public Request {
      cells = List.copyOf(cells);
      runners = Map.copyOf(runners);
      force = List.copyOf(force);
      provenance = Map.copyOf(provenance);
    }
  }

  /**
   * What a run did.
   *
   * @param plan what was planned
   * @param report how every cell ended
   * @param summary the stages' rows for the summary table
   * @param storeFault the file-system fault of the run store that stopped the run, if one did
   */
  public record Result(
      ExecutionPlan plan,
      RunReport report,
      List<SummaryRow> summary,
      Optional<StoreFault> storeFault) {}

  private final CancellationToken token = new CancellationToken();
  private final InFlightCells inFlight = new InFlightCells();

  /** Cancelling it stops the run (running cells are recorded KILLED). */
  public CancellationToken token() {
    return token;
  }

  /**
   * Installs the Ctrl-C/SIGTERM handling for this pipeline; close it after the report was shown.
   */
  public ShutdownGuard guardSignals(Duration grace) {
    return new ShutdownGuard(token, inFlight, grace);
  }

  /** What {@link #run} would do, without doing it. */
  public static ExecutionPlan plan(Request request) {
    return Planner.plan(request.experiment(), request.cells(), request.store(), request.force());
  }

  public Result run(Request request, Executor executor, ExecutionListener listener) {
    RunStore store = request.store();
    int removed = store.removeAbandonedTemporaries(request.experiment());
    if (removed > 0) {
      LOG.info("removed {} partial cell(s) left by an earlier run that died", removed);
    }
    Superseded.clean(store, request.experiment());
    ExecutionPlan plan = plan(request);
    for (PlannedCell c : plan.toRun()) {
      if (!request.runners().containsKey(c.stage())) {
        throw new BadInputException("no runner is registered for stage " + c.stage());
      }
    }
    for (Map.Entry<String, String> d : plan.damaged().entrySet()) {
      LOG.info("damaged: {}: {}", plan.byId().get(d.getKey()).label(), d.getValue());
    }
    StoreFaults faults = new StoreFaults();
    RunReport report;
    try (CellClaims claims =
        new CellClaims(store, request.experiment(), CellClaims.HEARTBEAT, CellClaims.STALE_AFTER)) {
      CellTask task =
          new CellTask(
              store,
              plan,
              request.runners(),
              request.provenance(),
              token,
              listener,
              inFlight,
              claims,
              faults);
      listener.runStarted(plan);
      report = executor.execute(plan, task, request.policy(), listener);
      listener.runEnded(report);
    }
    return new Result(plan, report, summarize(request, plan), faults.first());
  }

  private static List<SummaryRow> summarize(Request request, ExecutionPlan plan) {
    List<SummaryRow> rows = new ArrayList<>();
    for (String stage : plan.stages()) {
      StageRunner runner = request.runners().get(stage);
      if (runner == null) {
        continue;
      }
      List<StoredCell> complete =
          plan.cells().stream()
              .filter(c -> c.stage().equals(stage))
              .map(c -> request.store().find(request.experiment(), stage, c.id()))
              .flatMap(Optional::stream)
              .toList();
      try {
        rows.addAll(runner.summarize(complete));
      } catch (RuntimeException e) {
        // A summary is a view of results that are safely stored; never lose the run over it.
        LOG.warn("cannot summarize stage {}: {}", stage, CellTask.describe(e));
      }
    }
    return rows;
  }
}
