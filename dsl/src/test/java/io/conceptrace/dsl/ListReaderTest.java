package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one list reader, through the loader: what every list key reports the same way. The corpus of
 * {@code experiments/bad} writes each list on one line; these write them over several.
 */
class ListReaderTest {
  static final Path QUICKSTART = Path.of("../experiments/quickstart.conf");

  @TempDir Path dir;

  /** A study that includes quickstart.conf on line 1 and then {@code body}, from line 2 on. */
  private Path study(String body) throws Exception {
    Path file = dir.resolve("study.conf");
    Files.writeString(
        file, "include file(\"" + QUICKSTART.toAbsolutePath().normalize() + "\")\n" + body);
    return file;
  }

  private static ExperimentLoader loader() {
    return new ExperimentLoader(
        new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty());
  }

  private static List<String> problems(Path file) {
    try {
      loader().load(file);
    } catch (ExperimentException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
    return List.of();
  }

  @Test
  void aBadElementIsReportedAtItsOwnLine() throws Exception {
    Path file =
        study(
            "matrix.exclude = \"\"\"\n"
                + "  cell.layer == \"layer1\"\n"
                + "\"\"\"\n"
                + "probes.layers = [\n"
                + "  layer3,\n"
                + "  layer9\n"
                + "]\n"
                + "prune.arms = [\n"
                + "  top,\n"
                + "  top\n"
                + "]\n");
    List<String> found = problems(file);
    // Lines 7 and 11, after a triple-quoted string whose newlines Typesafe Config miscounts.
    assertThat(found).hasSize(2);
    assertThat(found.get(0)).startsWith(file + ":7: probes.layers: unknown layer 'layer9'");
    assertThat(found.get(1)).isEqualTo(file + ":11: prune.arms: arm top is listed twice");
  }

  @Test
  void aValueThatIsNotAListIsOneProblemNotTwo() throws Exception {
    Path file = study("concepts.wavy.classes = snake\n");
    // Before the list reader this also said "empty concept", about the same line.
    assertThat(problems(file))
        .containsExactly(
            file
                + ":2: concepts.wavy.classes: must be a list of class names or ids (or { kotlin ="
                + " \"\"\"...\"\"\" }), got string \"snake\"");
  }

  @Test
  void nullIsAnEmptyListAndTheEmptyRuleDecides() throws Exception {
    // prune.concepts may be empty (every concept); parameter-groups may not.
    Experiment e = loader().load(study("prune.concepts = null\n"));
    assertThat(e.prune().concepts()).containsExactlyElementsOf(e.concepts().keySet());
    Path groups = study("attribution.parameter-groups = null\n");
    assertThat(problems(groups))
        .containsExactly(
            groups
                + ":2: attribution.parameter-groups: empty: use [all] to attribute through every"
                + " parameter");
  }

  @Test
  void aScalarWhereAListMayBeOneIsAOneElementList() throws Exception {
    assertThat(loader().load(study("attribution.method = grad-cos\n")).attribution().methods())
        .containsExactly("grad-cos");
    Path file = study("attribution.method = [\n  trak,\n  trak\n]\n");
    assertThat(problems(file))
        .containsExactly(file + ":4: attribution.method: method trak is listed twice");
  }

  @Test
  void anUnevaluatedBlockIsCarriedAndNotCalledEmpty() throws Exception {
    Experiment e = loader().load(study("prune.sizes { kotlin = \"listOf(5, 10)\" }\n"));
    assertThat(e.prune().sizes()).isEmpty();
    assertThat(e.prune().sizesScript())
        .hasValueSatisfying(b -> assertThat(b.source()).isEqualTo("listOf(5, 10)"));
  }
}
