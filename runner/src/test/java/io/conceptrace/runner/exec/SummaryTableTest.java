package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTableTest {
  private static Map<String, String> key(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void rowsFromDifferentStagesWithTheSameKeyMergeIntoOneLine() {
    List<SummaryRow> rows =
        List.of(
            SummaryRow.of(
                "probes", key("concept", "wavy", "layer", "layer3"), "accuracy", "0.91 ± 0.02"),
            SummaryRow.of(
                "probes", key("concept", "wavy", "layer", "layer4"), "accuracy", "0.88 ± 0.01"),
            SummaryRow.of("probes", key("concept", "wavy", "layer", "layer3"), "top ids", "17, 4"),
            SummaryRow.of("prune", key("k", "100", "arm", "top"), "delta", "-0.05 (p=0.01)"));
    assertThat(SummaryTable.render(rows))
        .isEqualTo(
            """
            probes
            concept  layer   accuracy     top ids
            -------  ------  -----------  -------
            wavy     layer3  0.91 ± 0.02  17, 4
            wavy     layer4  0.88 ± 0.01

            prune
            k    arm  delta
            ---  ---  --------------
            100  top  -0.05 (p=0.01)

            """);
  }

  @Test
  void timingsCountCellsPerStage() {
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    PlannedCell a = TestCell.of("a0001", "a", List.of());
    PlannedCell b = TestCell.of("b0001", "b", List.of("a0001"));
    PlannedCell b2 = TestCell.of("b0002", "b", List.of("a0001"));
    RunReport report =
        new RunReport(
            "e",
            List.of(
                new CellOutcome(a, CellState.CACHED, "", t0, t0),
                new CellOutcome(b, CellState.FINISHED, "", t0, t0.plusSeconds(2)),
                new CellOutcome(
                    b2, CellState.FAILED, "boom", t0.plusSeconds(1), t0.plusSeconds(4))),
            t0,
            t0.plusSeconds(5));
    assertThat(SummaryTable.timings(report, List.of("a", "b")))
        .isEqualTo(
            """
            stage  cells  cached  ran  not done  cell-s  wall-s
            -----  -----  ------  ---  --------  ------  ------
            a      1      1       0    0         0.0     0.0
            b      2      0       1    1         5.0     4.0
            total  3      1       1    1                 5.0
            """);
  }
}
