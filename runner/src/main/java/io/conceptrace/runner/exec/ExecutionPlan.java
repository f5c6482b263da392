package io.conceptrace.runner.exec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a run will do: every cell of the matrix in dependency order, which of them are already
 * complete in the run store (cached), and which complete ones are forced to run again. This is the
 * "what" of a run; an {@link Executor} decides "where".
 *
 * @param experiment the experiment's name (the run store's top directory)
 * @param cells every cell, each after its inputs
 * @param cached ids whose complete output is in the store and will be reused
 * @param replaced ids whose complete output is in the store but is forced to be recomputed (by
 *     {@code --force}, or because a cell upstream is damaged)
 * @param damaged ids whose directory in the store is damaged, with what is wrong; they run again
 */
public record ExecutionPlan(
    String experiment,
    List<PlannedCell> cells,
    Set<String> cached,
    Set<String> replaced,
    Map<String, String> damaged) {

  public ExecutionPlan {
    cells = List.copyOf(cells);
    cached = Set.copyOf(cached);
    replaced = Set.copyOf(replaced);
    damaged = Collections.unmodifiableMap(new LinkedHashMap<>(damaged));
  }

  /** A plan over a store without damaged cells. */
  public ExecutionPlan(
      String experiment, List<PlannedCell> cells, Set<String> cached, Set<String> replaced) {
    this(experiment, cells, cached, replaced, Map.of());
  }

  /** The cells that will run, in dependency order. */
  public List<PlannedCell> toRun() {
    return cells.stream().filter(c -> !cached.contains(c.id())).toList();
  }

  /** Stages in order of first appearance. */
  public List<String> stages() {
    List<String> out = new ArrayList<>();
    for (PlannedCell c : cells) {
      if (!out.contains(c.stage())) {
        out.add(c.stage());
      }
    }
    return out;
  }

  /** Cells by id, in plan order. */
  public Map<String, PlannedCell> byId() {
    Map<String, PlannedCell> out = new LinkedHashMap<>();
    cells.forEach(c -> out.put(c.id(), c));
    return Collections.unmodifiableMap(out);
  }
}
