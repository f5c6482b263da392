package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunInputsTest {
  private static final Map<String, Object> DATA =
      Map.of(
          "source", "fashion-mnist",
          "classes", 10,
          "image-size", 28,
          "channels", 1,
          "subset-seed", 9,
          "train", Map.of("path", "/data/train", "fraction", 1.0),
          "val", Map.of("path", "/data/val", "fraction", 1.0));

  private static CellRecord record(
      Map<String, String> at, Map<String, Object> settings, Map<String, String> provenance) {
    return CellRecord.builder("c", "e", "s")
        .coordinates(at)
        .settings(settings)
        .provenance(provenance)
        .finishedAt(Instant.now())
        .build();
  }

  @Test
  void trainingCellsReadBothSplitsWithTheirPathsAndAStableDigest() {
    List<RunInputs.Dataset> d = RunInputs.of(record(Map.of(), Map.of("data", DATA), Map.of()));
    assertThat(d)
        .extracting(RunInputs.Dataset::name)
        .containsExactly("fashion-mnist train", "fashion-mnist val");
    assertThat(d).extracting(RunInputs.Dataset::context).containsExactly("training", "validation");
    assertThat(d.get(0).sourceType()).isEqualTo("local");
    assertThat(d.get(0).source()).isEqualTo("{\"uri\":\"/data/train\"}");
    assertThat(d.get(0).schema()).contains("[1,28,28]");
    assertThat(d.get(0).digest()).hasSize(10).isNotEqualTo(d.get(1).digest());
    // Same data, same digest; another subset seed is other data.
    Map<String, Object> reseeded = new java.util.HashMap<>(DATA);
    reseeded.put("subset-seed", 10);
    assertThat(RunInputs.of(record(Map.of(), Map.of("data", DATA), Map.of())).get(0).digest())
        .isEqualTo(d.get(0).digest());
    assertThat(RunInputs.of(record(Map.of(), Map.of("data", reseeded), Map.of())).get(0).digest())
        .isNotEqualTo(d.get(0).digest());
  }

  @Test
  void probeCellsReadTheirConceptSetWithClassesByName() {
    Map<String, Object> concept = Map.of("kind", "classes", "classes", List.of(7, 8));
    List<RunInputs.Dataset> named =
        RunInputs.of(
            record(
                Map.of("concept", "wavy"),
                Map.of("concept", concept),
                Map.of("concept.classes", "snake, worm")));
    assertThat(named)
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.name()).isEqualTo("concept wavy");
              assertThat(d.context()).isEqualTo("concept");
              assertThat(d.profile()).contains("\"classes\":[\"snake\",\"worm\"]");
            });
    // Without recorded names (an older cell), the ids.
    assertThat(
            RunInputs.of(record(Map.of("concept", "wavy"), Map.of("concept", concept), Map.of()))
                .get(0)
                .profile())
        .contains("\"class-ids\":[7,8]");
    assertThat(RunInputs.of(record(Map.of("layer", "l3"), Map.of("k", 5), Map.of()))).isEmpty();
  }
}
