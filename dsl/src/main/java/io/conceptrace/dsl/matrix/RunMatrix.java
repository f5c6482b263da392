package io.conceptrace.dsl.matrix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cells of one experiment, in topological order (every cell after its inputs), made by {@link
 * MatrixExpander}. Immutable.
 */
public final class RunMatrix {
  private final String experiment;
  private final List<Cell> cells;
  private final Map<String, Cell> byId;
  private final Map<String, List<Cell>> dependents;
  private final List<String> notes;
  private final int excluded;

  RunMatrix(String experiment, List<Cell> cells, List<String> notes, int excluded) {
    this.experiment = experiment;
    this.cells = List.copyOf(cells);
    this.notes = List.copyOf(notes);
    this.excluded = excluded;
    Map<String, Cell> ids = new LinkedHashMap<>();
    Map<String, List<Cell>> deps = new HashMap<>();
    for (Cell c : this.cells) {
      for (String in : c.inputs()) {
        if (!ids.containsKey(in)) {
          throw new IllegalArgumentException(
              c.label() + " reads " + in + ", which comes later or is missing");
        }
        deps.computeIfAbsent(in, k -> new ArrayList<>()).add(c);
      }
      // The same settings at two coordinates would be one result; keep the first (e.g. identical
      // concepts under two names share their cells).
      ids.putIfAbsent(c.id(), c);
    }
    this.byId = Collections.unmodifiableMap(ids);
    Map<String, List<Cell>> frozen = new HashMap<>();
    deps.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    this.dependents = Collections.unmodifiableMap(frozen);
  }

  /** The experiment's name (the run store directory). */
  public String experiment() {
    return experiment;
  }

  /** Every cell, inputs before the cells that read them. */
  public List<Cell> cells() {
    return cells;
  }

  public int size() {
    return cells.size();
  }

  /** Cells per stage, stages in {@link Stages#ORDER} (stages without cells are left out). */
  public Map<String, List<Cell>> byStage() {
    Map<String, List<Cell>> out = new LinkedHashMap<>();
    for (String stage : Stages.ORDER) {
      List<Cell> list = cells.stream().filter(c -> c.stage().equals(stage)).toList();
      if (!list.isEmpty()) {
        out.put(stage, list);
      }
    }
    return Collections.unmodifiableMap(out);
  }

  public Optional<Cell> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The cells that read this cell's output directly. */
  public List<Cell> dependents(String id) {
    return dependents.getOrDefault(id, List.of());
  }

  /** Things the matrix could not show (one line each). */
  public List<String> notes() {
    return notes;
  }

  /** Cells removed by {@code matrix.exclude} (including their dependents). */
  public int excluded() {
    return excluded;
  }
}
