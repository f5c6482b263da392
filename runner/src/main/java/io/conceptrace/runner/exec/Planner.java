package io.conceptrace.runner.exec;

import io.conceptrace.core.BadInputException;
import io.conceptrace.store.CellCheck;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.Verification;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what a run does: orders the cells so that each comes after its inputs, marks those whose
 * complete output is already in the run store as cached, and applies {@code --force}. A cell whose
 * directory is damaged (its files do not match its {@code cell.json}, see {@link RunStore#check})
 * is not cached: it runs again, and so does everything downstream of it, as if it were forced.
 */
public final class Planner {
  private Planner() {}

  /**
   * @param force selectors: a stage name (every cell of the stage) or a cell id or unique id prefix
   *     of at least 4 characters; what depends on a forced cell is forced too
   * @throws BadInputException for an unknown selector
   * @throws IllegalArgumentException for a malformed matrix (duplicate ids, missing inputs, cycles)
   */
  public static ExecutionPlan plan(
      String experiment, List<? extends PlannedCell> cells, RunStore store, List<String> force) {
    List<PlannedCell> ordered = topologicalOrder(cells);
    Map<String, List<String>> dependents = dependents(ordered);
    Map<String, String> damaged = new LinkedHashMap<>();
    Map<String, Boolean> intact = new HashMap<>();
    for (PlannedCell c : ordered) {
      CellCheck check = store.check(experiment, c.stage(), c.id(), Verification.QUICK);
      intact.put(c.id(), check.isIntact());
      if (check.isDamaged()) {
        damaged.put(c.id(), check.problem());
      }
    }
    Deque<String> todo = new ArrayDeque<>(damaged.keySet());
    for (String selector : force) {
      todo.addAll(select(selector, ordered));
    }
    Set<String> forced = new HashSet<>();
    while (!todo.isEmpty()) {
      String id = todo.pop();
      if (forced.add(id)) {
        todo.addAll(dependents.getOrDefault(id, List.of()));
      }
    }
    Set<String> cached = new LinkedHashSet<>();
    Set<String> replaced = new LinkedHashSet<>();
    for (PlannedCell c : ordered) {
      if (intact.get(c.id())) {
        (forced.contains(c.id()) ? replaced : cached).add(c.id());
      }
    }
    return new ExecutionPlan(experiment, ordered, cached, replaced, damaged);
  }

  /** Cell id → ids of the cells that read it directly. */
  static Map<String, List<String>> dependents(List<? extends PlannedCell> cells) {
    Map<String, List<String>> out = new HashMap<>();
    for (PlannedCell c : cells) {
      for (String in : c.inputs()) {
        out.computeIfAbsent(in, k -> new ArrayList<>()).add(c.id());
      }
    }
    return out;
  }

  private static List<String> select(String selector, List<PlannedCell> cells) {
    List<String> byStage =
        cells.stream().filter(c -> c.stage().equals(selector)).map(PlannedCell::id).toList();
    if (!byStage.isEmpty()) {
      return byStage;
    }
    List<String> byId =
        cells.stream()
            .map(PlannedCell::id)
            .filter(
                id -> id.equals(selector) || (selector.length() >= 4 && id.startsWith(selector)))
            .toList();
    if (byId.size() == 1) {
      return byId;
    }
    if (byId.size() > 1) {
      throw new BadInputException(
          "--force "
              + selector
              + ": the prefix matches "
              + byId.size()
              + " cells; give more of it");
    }
    String stages =
        cells.stream().map(PlannedCell::stage).distinct().collect(Collectors.joining(", "));
    throw new BadInputException(
        "--force " + selector + ": no stage or cell of that name (stages: " + stages + ")");
  }

  /**
   * Kahn's algorithm, stable: among cells that are ready, the one given first comes first, so the
   * plan follows the matrix's own order wherever dependencies allow.
   */
  static List<PlannedCell> topologicalOrder(List<? extends PlannedCell> cells) {
    Map<String, PlannedCell> byId = new LinkedHashMap<>();
    for (PlannedCell c : cells) {
      if (byId.put(c.id(), c) != null) {
        throw new IllegalArgumentException("the run matrix has two cells with id " + c.id());
      }
    }
    Map<String, Integer> index = new HashMap<>();
    int i = 0;
    for (String id : byId.keySet()) {
      index.put(id, i++);
    }
    Map<String, Integer> missing = new HashMap<>();
    for (PlannedCell c : cells) {
      for (String in : c.inputs()) {
        if (!byId.containsKey(in)) {
          throw new IllegalArgumentException(
              "cell " + c.label() + " reads " + in + ", which is not in the run matrix");
        }
      }
      missing.put(c.id(), (int) c.inputs().stream().distinct().count());
    }
    Map<String, List<String>> dependents = dependents(cells);
    PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparing(index::get));
    missing.forEach(
        (id, n) -> {
          if (n == 0) {
            ready.add(id);
          }
        });
    List<PlannedCell> out = new ArrayList<>(cells.size());
    while (!ready.isEmpty()) {
      String id = ready.poll();
      out.add(byId.get(id));
      for (String d : new LinkedHashSet<>(dependents.getOrDefault(id, List.of()))) {
        if (missing.merge(d, -1, Integer::sum) == 0) {
          ready.add(d);
        }
      }
    }
    if (out.size() != byId.size()) {
      String stuck =
          byId.values().stream()
              .filter(c -> !out.contains(c))
              .map(PlannedCell::label)
              .limit(5)
              .collect(Collectors.joining(", "));
      throw new IllegalArgumentException("the run matrix has a dependency cycle among " + stuck);
    }
    return out;
  }
}
