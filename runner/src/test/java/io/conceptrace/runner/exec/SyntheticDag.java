package io.conceptrace.runner.exec;

import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cheap deterministic DAG for executor tests: 4 cells {@code a0..a3}, 4 cells {@code b0..b3}
 * (each reads two a's), 2 cells {@code c0, c1} (two b's each) and one {@code d} reading both c's.
 * Every cell writes {@code value.txt}: a number derived from its inputs' values and its seeded RNG,
 * after writing a partial file and sleeping in steps (progress points), so that a kill can land
 * mid-cell.
 */
final class SyntheticDag {
  static final String EXPERIMENT = "synthetic";
  static final List<String> STAGES = List.of("a", "b", "c", "d");

  private SyntheticDag() {}

  static List<PlannedCell> cells() {
    List<PlannedCell> out = new ArrayList<>();
    // Deliberately listed out of dependency order: the planner must sort.
    out.add(TestCell.of("d0000", "d", List.of("c0000", "c0001")));
    for (int i = 0; i < 2; i++) {
      out.add(TestCell.of("c000" + i, "c", List.of("b000" + (2 * i), "b000" + (2 * i + 1))));
    }
    for (int i = 0; i < 4; i++) {
      out.add(TestCell.of("b000" + i, "b", List.of("a000" + i, "a000" + ((i + 1) % 4))));
    }
    for (int i = 0; i < 4; i++) {
      out.add(TestCell.of("a000" + i, "a", List.of()));
    }
    return out;
  }

  /**
   * The runner for every stage.
   *
   * @param stepMillis sleep per step (5 steps per cell)
   * @param failing cell ids that fail with a NaN-loss message
   * @param honourCancel whether cells stop at progress points when cancelled
   * @param executed counts cells actually computed
   */
  static Map<String, StageRunner> runners(
      long stepMillis, Set<String> failing, boolean honourCancel, AtomicInteger executed) {
    StageRunner runner =
        new StageRunner() {
          @Override
          public StoredCell run(CellContext ctx) throws Exception {
            executed.incrementAndGet();
            long sum = 0;
            for (StoredCell in : ctx.inputs()) {
              sum += value(in);
            }
            Files.writeString(ctx.file("partial.txt"), "started\n");
            for (int step = 1; step <= 5; step++) {
              if (honourCancel) {
                ctx.progress().update("step", step, 5);
              }
              Thread.sleep(stepMillis);
              ctx.metric("loss", step, 1.0 / step);
            }
            if (failing.contains(ctx.cell().id())) {
              throw new CellFailedException("loss is NaN at epoch 3");
            }
            long value = Math.floorMod(sum * 31 + ctx.rng().nextInt(1000), 1_000_003L);
            Files.writeString(ctx.file("value.txt"), Long.toString(value));
            return ctx.commit(ctx.recordBuilder().timing("compute", stepMillis * 5 / 1000.0));
          }

          @Override
          public List<SummaryRow> summarize(List<StoredCell> cells) {
            List<SummaryRow> rows = new ArrayList<>();
            for (StoredCell c : cells) {
              rows.add(
                  SummaryRow.of(
                      "values",
                      Map.of("cell", c.record().cellId()),
                      "value",
                      Long.toString(value(c))));
            }
            return rows;
          }
        };
    Map<String, StageRunner> out = new LinkedHashMap<>();
    STAGES.forEach(s -> out.put(s, runner));
    return out;
  }

  static long value(StoredCell cell) {
    try {
      return Long.parseLong(
          Files.readString(cell.artifact("value.txt"), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every complete cell's value, by id. */
  static Map<String, Long> values(Path storeRoot) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (StoredCell c : new io.conceptrace.store.RunStore(storeRoot).cells(EXPERIMENT)) {
      out.put(c.record().cellId(), value(c));
    }
    return out;
  }
}
