package io.conceptrace.dsl.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The cells {@code evaluate.lds} adds, what they read, and which ids its keys move. */
class LdsMatrixTest {
  private static final String LDS = "evaluate.lds.subsets=3";
  private static final String METHODS = "attribution.method=[trak, random]";

  @Test
  void noLdsCellsByDefault() {
    RunMatrix m = CellHashStabilityTest.expand();
    assertThat(m.cells()).noneMatch(c -> c.stage().startsWith("lds"));
  }

  @Test
  void subsetModelsAreSharedAndEveryAttributeCellGetsAScore() {
    RunMatrix m = CellHashStabilityTest.expand(LDS, METHODS);
    Map<String, List<Cell>> by = m.byStage();
    // small.conf: 2 layers × 2 sparsities × 1 concept, 2 methods.
    assertThat(by.get(Stages.LDS_TRAIN)).hasSize(3);
    assertThat(by.get(Stages.LDS_PROBE)).hasSize(3 * 4);
    assertThat(by.get(Stages.LDS)).hasSize(4 * 2);
    assertThat(by.get(Stages.LDS_TRAIN))
        .extracting(c -> c.coordinates().get("subset"))
        .containsExactly("0", "1", "2");
    Set<String> subsetModels =
        by.get(Stages.LDS_TRAIN).stream().map(Cell::id).collect(Collectors.toSet());
    for (Cell probe : by.get(Stages.LDS_PROBE)) {
      assertThat(probe.inputs()).hasSize(1);
      assertThat(subsetModels).contains(probe.inputs().get(0));
    }
    Map<String, Cell> byId = m.cells().stream().collect(Collectors.toMap(Cell::id, c -> c));
    for (Cell lds : by.get(Stages.LDS)) {
      List<String> stages = lds.inputs().stream().map(id -> byId.get(id).stage()).toList();
      assertThat(stages)
          .containsExactly(
              Stages.ATTRIBUTE,
              Stages.TRAIN_BASE,
              Stages.PROBE,
              Stages.LDS_TRAIN,
              Stages.LDS_TRAIN,
              Stages.LDS_TRAIN,
              Stages.LDS_PROBE,
              Stages.LDS_PROBE,
              Stages.LDS_PROBE);
      Cell attribute = byId.get(lds.inputs().get(0));
      assertThat(lds.coordinates()).isEqualTo(attribute.coordinates()); // incl. the method
      // The designated member (attribution.pseudo-labels = 0) labels the targets.
      assertThat(byId.get(lds.inputs().get(1)).coordinates()).containsEntry("member", "0");
      assertThat(byId.get(lds.inputs().get(2)).coordinates()).containsEntry("member", "0");
      for (int j = 0; j < 3; j++) {
        Cell probe = byId.get(lds.inputs().get(6 + j));
        assertThat(probe.coordinates())
            .containsEntry("subset", Integer.toString(j))
            .containsEntry("concept", lds.coordinates().get("concept"))
            .containsEntry("layer", lds.coordinates().get("layer"))
            .containsEntry("sparsity", lds.coordinates().get("sparsity"));
      }
      assertThat(m.byStage().get(Stages.REPORT).get(0).inputs()).contains(lds.id());
    }
  }

  @Test
  void subsetModelsTrainWithTheStudysRecipeAndProbesWithItsProbeRecipe() {
    RunMatrix m = CellHashStabilityTest.expand(LDS);
    Cell base = m.byStage().get(Stages.TRAIN_BASE).get(0);
    Cell subset = m.byStage().get(Stages.LDS_TRAIN).get(0);
    assertThat(subset.settings().get("training")).isEqualTo(base.settings().get("training"));
    assertThat(subset.settings().get("data")).isEqualTo(base.settings().get("data"));
    assertThat(subset.settings().get("model")).isEqualTo(base.settings().get("model"));
    Cell probe = m.byStage().get(Stages.PROBE).get(0);
    Cell ldsProbe =
        m.byStage().get(Stages.LDS_PROBE).stream()
            .filter(
                c ->
                    c.coordinates().get("layer").equals(probe.coordinates().get("layer"))
                        && c.coordinates()
                            .get("sparsity")
                            .equals(probe.coordinates().get("sparsity")))
            .findFirst()
            .orElseThrow();
    assertThat(ldsProbe.settings().get("probes")).isEqualTo(probe.settings().get("probes"));
    assertThat(ldsProbe.settings().get("concept")).isEqualTo(probe.settings().get("concept"));
    assertThat(ldsProbe.settings()).containsEntry("targets", "concept-test");
  }

  @Test
  void moreSubsetsAddCellsAndKeepTheExistingSubsetModels() {
    Map<String, String> three = CellHashStabilityTest.idsByLabel(CellHashStabilityTest.expand(LDS));
    Map<String, String> four =
        CellHashStabilityTest.idsByLabel(CellHashStabilityTest.expand("evaluate.lds.subsets=4"));
    three.forEach(
        (label, id) -> {
          if (label.startsWith(Stages.LDS_TRAIN) || label.startsWith(Stages.LDS_PROBE)) {
            assertThat(four).as(label).containsEntry(label, id);
          }
        });
    // Everything outside the LDS cells (and the report, which reads them) is untouched by it.
    Map<String, String> none = CellHashStabilityTest.idsByLabel(CellHashStabilityTest.expand());
    none.forEach(
        (label, id) -> {
          if (!label.startsWith(Stages.REPORT)) {
            assertThat(three).as(label).containsEntry(label, id);
          }
        });
  }

  @Test
  void theFractionMovesOnlyTheLdsCells() {
    Map<String, String> half = CellHashStabilityTest.idsByLabel(CellHashStabilityTest.expand(LDS));
    Map<String, String> third =
        CellHashStabilityTest.idsByLabel(
            CellHashStabilityTest.expand(LDS, "evaluate.lds.fraction=0.3"));
    assertThat(third.keySet()).isEqualTo(half.keySet());
    half.forEach(
        (label, id) -> {
          boolean moves = label.startsWith("lds") || label.startsWith(Stages.REPORT);
          if (moves) {
            assertThat(third.get(label)).as(label).isNotEqualTo(id);
          } else {
            assertThat(third.get(label)).as(label).isEqualTo(id);
          }
        });
  }
}
