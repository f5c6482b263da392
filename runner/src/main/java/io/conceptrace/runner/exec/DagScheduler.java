package io.conceptrace.runner.exec;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Knows which cells of a plan may start now: those whose inputs all have output. Pure bookkeeping,
 * no threads: a launcher asks it for ready cells, runs them wherever it likes and reports back. Not
 * thread-safe; one coordinating thread drives it.
 */
public final class DagScheduler {
  private enum Phase {
    WAITING,
    LAUNCHED,
    ENDED
  }

  private final ExecutionPlan plan;
  private final Map<String, Phase> phase = new HashMap<>();
  private final Map<String, Integer> missingInputs = new HashMap<>();
  private final Map<String, List<String>> dependents;
  private final Map<String, CellOutcome> outcomes = new HashMap<>();
  private final Deque<PlannedCell> ready = new ArrayDeque<>();
  private boolean stopped;

  public DagScheduler(ExecutionPlan plan) {
    this.plan = plan;
    this.dependents = Planner.dependents(plan.cells());
    Map<String, PlannedCell> byId = plan.byId();
    for (PlannedCell c : plan.cells()) {
      if (plan.cached().contains(c.id())) {
        phase.put(c.id(), Phase.ENDED);
        continue;
      }
      phase.put(c.id(), Phase.WAITING);
      int missing = 0;
      for (String in : c.inputs().stream().distinct().toList()) {
        if (!plan.cached().contains(in)) {
          missing++;
        }
        if (!byId.containsKey(in)) {
          throw new IllegalArgumentException(c.label() + " reads unknown cell " + in);
        }
      }
      missingInputs.put(c.id(), missing);
      if (missing == 0) {
        ready.add(c);
      }
    }
  }

  /** Up to {@code max} cells that may start now, in plan order; they count as launched. */
  public List<PlannedCell> takeReady(int max) {
    List<PlannedCell> out = new ArrayList<>();
    while (!stopped && out.size() < max && !ready.isEmpty()) {
      PlannedCell c = ready.poll();
      phase.put(c.id(), Phase.LAUNCHED);
      out.add(c);
    }
    return out;
  }

  /** Records how a launched cell ended; its dependents become ready or blocked. */
  public void ended(CellOutcome outcome) {
    String id = outcome.cell().id();
    if (phase.get(id) != Phase.LAUNCHED) {
      throw new IllegalStateException(outcome.cell().label() + " was not launched");
    }
    phase.put(id, Phase.ENDED);
    outcomes.put(id, outcome);
    if (outcome.state().hasOutput()) {
      for (String d : dependents.getOrDefault(id, List.of()).stream().distinct().toList()) {
        if (phase.get(d) == Phase.WAITING && missingInputs.merge(d, -1, Integer::sum) == 0) {
          ready.add(plan.byId().get(d));
        }
      }
    } else {
      block(outcome);
    }
  }

  /** Launches nothing more; what is running may still end. */
  public void stop() {
    stopped = true;
  }

  /** True while some cell could still be launched. */
  public boolean hasReady() {
    return !stopped && !ready.isEmpty();
  }

  /** Every cell's outcome, in plan order; cells that never ran are NOT_RUN. */
  public List<CellOutcome> outcomes(Instant now) {
    List<CellOutcome> out = new ArrayList<>();
    for (PlannedCell c : plan.cells()) {
      CellOutcome o = outcomes.get(c.id());
      if (o == null) {
        o = new CellOutcome(c, CellState.NOT_RUN, "the run stopped before it started", now, now);
      }
      out.add(o);
    }
    return out;
  }

  /** How many cells are in each state so far (cached cells count as CACHED). */
  public Map<CellState, Integer> counts() {
    Map<CellState, Integer> out = new EnumMap<>(CellState.class);
    outcomes.values().forEach(o -> out.merge(o.state(), 1, Integer::sum));
    return out;
  }

  /** Marks every cell downstream of a failure as BLOCKED, naming the failed input. */
  private void block(CellOutcome failed) {
    Deque<String> todo = new ArrayDeque<>(dependents.getOrDefault(failed.cell().id(), List.of()));
    Instant t = failed.finishedAt();
    while (!todo.isEmpty()) {
      String d = todo.pop();
      if (phase.get(d) != Phase.WAITING) {
        continue;
      }
      phase.put(d, Phase.ENDED);
      ready.removeIf(c -> c.id().equals(d));
      outcomes.put(
          d,
          new CellOutcome(
              plan.byId().get(d),
              CellState.BLOCKED,
              "input " + failed.cell().label() + " " + failed.state().name().toLowerCase(),
              t,
              t));
      todo.addAll(dependents.getOrDefault(d, List.of()));
    }
  }
}
