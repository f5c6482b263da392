package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannerTest {
  @TempDir Path root;

  @Test
  void ordersCellsAfterTheirInputsKeepingTheGivenOrderOtherwise() {
    ExecutionPlan plan =
        Planner.plan(SyntheticDag.EXPERIMENT, SyntheticDag.cells(), new RunStore(root), List.of());
    assertThat(plan.cells())
        .extracting(PlannedCell::id)
        .containsExactly(
            // the matrix lists d, c, b, a: each cell comes as soon as its inputs are placed
            "a0000",
            "a0001",
            "b0000",
            "a0002",
            "b0001",
            "c0000",
            "a0003",
            "b0002",
            "b0003",
            "c0001",
            "d0000");
    assertThat(plan.stages()).containsExactly("a", "b", "c", "d");
    assertThat(plan.cached()).isEmpty();
  }

  @Test
  void rejectsCyclesMissingInputsAndDuplicates() {
    RunStore store = new RunStore(root);
    assertThatThrownBy(
            () ->
                Planner.plan(
                    "e",
                    List.of(
                        TestCell.of("x0001", "s", List.of("y0001")),
                        TestCell.of("y0001", "s", List.of("x0001"))),
                    store,
                    List.of()))
        .hasMessageContaining("cycle");
    assertThatThrownBy(
            () ->
                Planner.plan(
                    "e", List.of(TestCell.of("x0001", "s", List.of("zzzz"))), store, List.of()))
        .hasMessage("cell s x0001 reads zzzz, which is not in the run matrix");
    assertThatThrownBy(
            () ->
                Planner.plan(
                    "e",
                    List.of(
                        TestCell.of("x0001", "s", List.of()), TestCell.of("x0001", "s", List.of())),
                    store,
                    List.of()))
        .hasMessageContaining("two cells with id x0001");
  }

  @Test
  void unknownForceSelectorIsAOneLineUserError() {
    assertThatThrownBy(
            () ->
                Planner.plan(
                    SyntheticDag.EXPERIMENT,
                    SyntheticDag.cells(),
                    new RunStore(root),
                    List.of("probe")))
        .isInstanceOf(BadInputException.class)
        .hasMessage("--force probe: no stage or cell of that name (stages: a, b, c, d)");
    assertThatThrownBy(
            () ->
                Planner.plan(
                    SyntheticDag.EXPERIMENT,
                    SyntheticDag.cells(),
                    new RunStore(root),
                    List.of("b000")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("matches 4 cells");
  }
}
