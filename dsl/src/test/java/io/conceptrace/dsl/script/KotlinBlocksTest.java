package io.conceptrace.dsl.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.concept.ImageView;
import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three uses of Kotlin blocks, through experiment files. One host (memory cache only) is shared
 * by the class so that the compiler warms up once.
 */
class KotlinBlocksTest {
  static final KotlinScriptHost HOST = new KotlinScriptHost(Optional.empty());

  @TempDir Path dir;

  Path write(String text) throws IOException {
    Path f = dir.resolve("x.conf");
    Files.writeString(
        f,
        "experiment { name = k }\n"
            + "data { source = synthetic, train { per-class = 20 } }, attribution.projection-dim = 64\n"
            + "model { arch = small-cnn, width = 0.5 }\n"
            + "training { ensemble = 2, epochs = 1 }\n"
            + text);
    return f;
  }

  static Experiment load(Path f, boolean scripts) {
    return new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), scripts, false, false),
            scripts ? Optional.of(HOST) : Optional.empty())
        .load(f);
  }

  /** Left half textured (checkerboard), right half flat. */
  static ImageView highLowImage() {
    int n = 16;
    float[] px = new float[3 * n * n];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
          px[(c * n + y) * n + x] = x < n / 2 ? ((x + y) % 2) : 0.5f;
        }
      }
    }
    return new ImageView("img-1", 0, new ImageTensor(3, n, n, px));
  }

  static ImageView flatImage() {
    float[] px = new float[3 * 16 * 16];
    java.util.Arrays.fill(px, 0.3f);
    return new ImageView("img-2", 0, new ImageTensor(3, 16, 16, px));
  }

  @Test
  void aPredicateSeesTheImage() throws IOException {
    Experiment e =
        load(
            write(
                "concepts.hl { kind = predicate, script = \"\"\"highLowContrast(8) > 0.5\"\"\" }\n"
                    + "probes.layers = [layer1]\n"),
            true);
    ScriptBlock block = e.concepts().get("hl").script().orElseThrow();
    KotlinScriptHost.ImageScore score = HOST.predicate(block);
    assertThat(score.apply(highLowImage())).isEqualTo(true);
    assertThat(score.apply(flatImage())).isEqualTo(false);
    // `image` is in scope by name too, and numbers come back as numbers.
    KotlinScriptHost.ImageScore mean =
        HOST.predicate(new ScriptBlock("image.mean() * 2", block.position(), "t"));
    assertThat((Double) mean.apply(flatImage()))
        .isCloseTo(0.6, org.assertj.core.data.Offset.offset(1e-6));
  }

  @Test
  void aComputedGridBecomesTheSparsityList() throws IOException {
    Experiment e =
        load(
            write(
                "concepts.w { kind = classes, classes = [snake, worm] }\n"
                    + "probes { layers = [layer2]\n"
                    + "  sparsity { kotlin = \"\"\"listOf(\"dense\") + (2..4).map { 1 shl it }\"\"\" } }\n"),
            true);
    assertThat(e.probes().sparsity())
        .extracting(Experiment.Sparsity::label)
        .containsExactly("dense", "4", "8", "16");
  }

  @Test
  void aFilterExcludesCellsAndTheirDependents() throws IOException {
    Path f =
        write(
            "concepts.w { kind = classes, classes = [snake, worm] }\n"
                + "probes { layers = [layer1, layer2], sparsity = [dense, 4] }\n"
                + "matrix.exclude = \"\"\"cell.layer == \"layer1\" && cell.sparsity != null\"\"\"\n");
    RunMatrix filtered = new MatrixExpander(Optional.of(HOST)).expand(load(f, true));
    RunMatrix unfiltered = new MatrixExpander(Optional.empty()).expand(load(f, false));
    assertThat(filtered.cells())
        .extracting(Cell::label)
        .noneMatch(l -> l.contains("layer1 sparse4"))
        .anyMatch(l -> l.contains("layer1 dense"))
        .anyMatch(l -> l.contains("layer2 sparse4"));
    assertThat(unfiltered.cells())
        .extracting(Cell::label)
        .anyMatch(l -> l.contains("layer1 sparse4"));
    // 2 probes and 1 attribute cell gone
    assertThat(unfiltered.size() - filtered.size()).isEqualTo(3);
    assertThat(unfiltered.notes()).anyMatch(n -> n.contains("--no-scripts"));
  }

  @Test
  void aCompileErrorPointsIntoTheExperimentFile() throws IOException {
    Path f =
        write(
            "concepts.hl {\n"
                + "  kind = predicate\n"
                + "  script = \"\"\"val t = 3.0\n"
                + "    highLowContrst(8) > t\"\"\"\n"
                + "}\n"
                + "probes.layers = [layer1]\n");
    assertThatThrownBy(() -> load(f, true))
        .isInstanceOf(ExperimentException.class)
        .hasMessage(f + ":8:5: concepts.hl.script: Unresolved reference 'highLowContrst'.");
  }

  @Test
  void noScriptsNeverRunsABlock() throws IOException {
    // This block would fail if it ran; --no-scripts leaves the grid unevaluated instead.
    Path f =
        write(
            "concepts.w { kind = classes, classes = [snake, worm] }\n"
                + "probes { layers = [layer2], sparsity { kotlin = \"\"\"error(\"ran\")\"\"\" } }\n");
    Experiment e = load(f, false);
    assertThat(e.probes().sparsityScript()).isPresent();
    RunMatrix m = new MatrixExpander(Optional.empty()).expand(e);
    assertThat(m.notes())
        .anyMatch(n -> n.startsWith("probes.sparsity is computed by a Kotlin block"));
  }

  @Test
  void eachDistinctBlockIsCompiledOnceAndCachedOnDisk(@TempDir Path cache) {
    KotlinScriptHost first = new KotlinScriptHost(Optional.of(cache));
    ScriptBlock b =
        new ScriptBlock("(1..3).toList()", new io.conceptrace.dsl.SourcePosition("f", 1, 1), "p");
    assertThat(first.value(b)).isEqualTo(List.of(1, 2, 3));
    assertThat(cache.toFile().list()).hasSize(1);
    // A fresh host (a new CLI run) loads the compiled jar instead of compiling.
    KotlinScriptHost second = new KotlinScriptHost(Optional.of(cache));
    assertThat(second.value(b)).isEqualTo(List.of(1, 2, 3));
    assertThat(cache.toFile().list()).hasSize(1);
  }

  @Test
  void aScorePredicateUsesTheThreshold() throws IOException {
    Experiment e =
        load(
            write(
                "concepts.hl { kind = predicate, threshold = 0.5\n"
                    + "  script = \"\"\"highLowContrast(8)\"\"\" }\n"
                    + "probes.layers = [layer1]\n"),
            true);
    java.util.function.Predicate<ImageView> p = ConceptPredicates.of(e.concepts().get("hl"), HOST);
    assertThat(p.test(highLowImage())).isTrue();
    assertThat(p.test(flatImage())).isFalse();
  }
}
