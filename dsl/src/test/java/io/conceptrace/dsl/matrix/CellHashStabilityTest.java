package io.conceptrace.dsl.matrix;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rules users rely on when they edit an experiment file. No Kotlin blocks here. */
class CellHashStabilityTest {
  static final Path SMALL = Path.of("src/test/resources/experiments/small.conf");

  static RunMatrix expand(String... overrides) {
    Experiment e =
        new ExperimentLoader(
                new ExperimentLoader.Options(List.of(overrides), false, false, false),
                Optional.empty())
            .load(SMALL);
    return new MatrixExpander(Optional.empty()).expand(e);
  }

  static Map<String, String> idsByLabel(RunMatrix m) {
    return m.cells().stream().collect(Collectors.toMap(Cell::label, Cell::id));
  }

  @Test
  void theSameFileGivesTheSameIds() {
    assertThat(idsByLabel(expand())).isEqualTo(idsByLabel(expand()));
  }

  @Test
  void changingProbeEpochsChangesNoBaseModel() {
    RunMatrix before = expand();
    RunMatrix after = expand("probes.epochs=6");
    Map<String, String> old = idsByLabel(before);
    for (Cell c : after.cells()) {
      if (c.stage().equals(Stages.TRAIN_BASE) || c.stage().equals(Stages.RETRAIN)) {
        // retrain depends on a prune set chosen by probes, so only base models are untouched
        if (c.stage().equals(Stages.TRAIN_BASE)) {
          assertThat(c.id()).as(c.label()).isEqualTo(old.get(c.label()));
        }
      } else {
        assertThat(c.id()).as(c.label()).isNotEqualTo(old.get(c.label()));
      }
    }
    assertThat(after.byStage().get(Stages.TRAIN_BASE)).hasSize(2);
  }

  @Test
  void addingALayerAddsCellsAndChangesNoExistingOneButTheReport() {
    Map<String, String> old = idsByLabel(expand());
    RunMatrix after = expand("probes.layers=[layer1, layer2, layer3]");
    Map<String, String> now = idsByLabel(after);
    assertThat(now.keySet()).containsAll(old.keySet());
    assertThat(now.size()).isGreaterThan(old.size());
    for (Map.Entry<String, String> e : old.entrySet()) {
      if (e.getKey().equals(Stages.REPORT)) {
        // The report reads every probe, so it is the one cell a new layer must invalidate.
        assertThat(now.get(e.getKey())).isNotEqualTo(e.getValue());
      } else {
        assertThat(now.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
    }
    assertThat(now.keySet())
        .contains("probe wavy layer3 dense m0")
        .contains("attribute wavy layer3 sparse8");
  }

  @Test
  void eachMethodHasItsOwnAttributeCellsAndPruneArmsAndASingleMethodKeepsItsLabels() {
    Map<String, String> single = idsByLabel(expand());
    assertThat(single).containsKey("attribute wavy layer2 dense");
    RunMatrix several = expand("attribution.method = [trak, grad-dot, random]");
    List<Cell> attribute = several.byStage().get(Stages.ATTRIBUTE);
    // 2 layers × 2 sparsities × 3 methods
    assertThat(attribute).hasSize(12);
    assertThat(attribute.stream().map(c -> c.coordinates().get("method")).distinct())
        .containsExactlyInAnyOrder("trak", "grad-dot", "random");
    assertThat(attribute)
        .allSatisfy(
            c ->
                assertThat(((Map<?, ?>) c.settings().get("attribution")).get("method"))
                    .isEqualTo(c.coordinates().get("method")));
    // every method feeds its own prune arms: 3 methods × 2 arms at layer2 / dense
    List<Cell> pruneSets = several.byStage().get(Stages.PRUNE_SET);
    assertThat(pruneSets).hasSize(6);
    Map<String, Cell> byId = several.cells().stream().collect(Collectors.toMap(Cell::id, c -> c));
    for (Cell p : pruneSets) {
      Cell source = byId.get(p.inputs().get(0));
      assertThat(source.stage()).isEqualTo(Stages.ATTRIBUTE);
      assertThat(source.coordinates().get("method")).isEqualTo(p.coordinates().get("method"));
    }
    // probes and base models are shared by the methods
    assertThat(idsByLabel(several)).containsEntry("train-base m0", single.get("train-base m0"));
    assertThat(several.byStage().get(Stages.PROBE)).hasSize(8);
  }

  @Test
  void growingTheEnsembleKeepsExistingModels() {
    Map<String, String> old = idsByLabel(expand());
    Map<String, String> now = idsByLabel(expand("training.ensemble=3"));
    assertThat(now.get("train-base m0")).isEqualTo(old.get("train-base m0"));
    assertThat(now.get("train-base m1")).isEqualTo(old.get("train-base m1"));
    assertThat(now).containsKey("train-base m2");
  }

  @Test
  void changingTheSeedChangesEveryCellAndSeedsDifferPerCoordinate() {
    RunMatrix a = expand();
    RunMatrix b = expand("experiment.seed=8");
    Map<String, String> old = idsByLabel(a);
    for (Cell c : b.cells()) {
      assertThat(c.id()).as(c.label()).isNotEqualTo(old.get(c.label()));
    }
    assertThat(a.cells().stream().filter(c -> !c.stage().equals(Stages.REPORT)).map(Cell::seed))
        .doesNotHaveDuplicates();
  }

  @Test
  void idsAreHashesOfTheCanonicalSettings() {
    RunMatrix m = expand();
    for (Cell c : m.cells()) {
      assertThat(c.id()).matches("[0-9a-f]{16}");
      assertThat(c.id()).isEqualTo(CellHash.id(c.stage(), c.settings(), c.inputs()));
    }
    // Pinned: a change here re-runs every user's base models; make it only on purpose.
    assertThat(CellHash.canonicalJson("s", Map.of("b", 1, "a", List.of(0.5, "x")), List.of("i")))
        .isEqualTo("{\"inputs\":[\"i\"],\"settings\":{\"a\":[0.5,\"x\"],\"b\":1},\"stage\":\"s\"}");
  }

  @Test
  void cellsComeAfterTheirInputsAndDependentsAreIndexed() {
    RunMatrix m = expand();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Cell c : m.cells()) {
      assertThat(seen).containsAll(c.inputs());
      seen.add(c.id());
    }
    Cell base = m.byStage().get(Stages.TRAIN_BASE).get(0);
    assertThat(m.dependents(base.id()))
        .extracting(Cell::stage)
        .containsOnly(Stages.PROBE, Stages.ATTRIBUTE);
    Cell attribute = m.byStage().get(Stages.ATTRIBUTE).get(0);
    assertThat(attribute.inputs()).hasSize(4); // 2 bases + their 2 probes
    // The LDS stages exist only with evaluate.lds (LdsMatrixTest), import-base only with
    // model.checkpoints (ImportedBaseModelsTest).
    assertThat(m.byStage().keySet())
        .containsExactlyElementsOf(
            Stages.ORDER.stream()
                .filter(
                    s ->
                        !s.startsWith("lds")
                            && !s.equals(Stages.IMPORT_BASE)
                            && !s.equals(Stages.CONCEPT))
                .toList());
  }
}
