package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole study on a tiny experiment (2 models, 2 layers × 2 sparsities, TRAK, three prune arms,
 * 2 retrained models each): every stage's outputs exist and are sane, and a second run computes
 * nothing.
 */
@Tag("slow")
class EndToEndTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");

  @Test
  void theTinyStudyRunsEndToEndAndASecondRunIsFullyCached(@TempDir Path dir) throws Exception {
    String store = dir.resolve("runs").toString();
    CliHarness first = CliHarness.run("run", TINY.toString(), "--store", store);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("probes", "prune arms", "attributions", "seed ρ", "stage timings")
        .containsPattern("wavy +layer3 +dense +12 +top +0\\.\\d{3} ± 0\\.\\d{3} \\(n=2\\)");
    // The last line says where to read the results.
    String lastLine = first.out().strip().lines().reduce((a, b) -> b).orElse("");
    assertThat(lastLine).startsWith("report: ").endsWith("report/index.html");
    assertThat(Path.of(lastLine.substring("report: ".length()))).isRegularFile();

    RunStore runs = new RunStore(Path.of(store));
    Map<String, List<StoredCell>> byStage =
        runs.cells("tiny").stream().collect(Collectors.groupingBy(c -> c.record().stage()));
    assertThat(byStage)
        .containsOnlyKeys(
            "train-base", "probe", "attribute", "prune-set", "retrain", "reprobe", "report");
    assertThat(byStage.get("train-base")).hasSize(2);
    assertThat(byStage.get("probe")).hasSize(8);
    assertThat(byStage.get("attribute")).hasSize(4);
    assertThat(byStage.get("prune-set")).hasSize(3);
    assertThat(byStage.get("retrain")).hasSize(6);
    assertThat(byStage.get("reprobe")).hasSize(6);

    for (StoredCell c : byStage.get("train-base")) {
      assertThat(c.artifacts()).contains("model/model.npz", "model/training.json");
      assertThat(last(c, "train.loss")).isFinite().isPositive();
    }
    for (String stage : List.of("probe", "reprobe")) {
      for (StoredCell c : byStage.get(stage)) {
        assertThat(c.artifacts()).contains("probe/cav.npy", "probe/bias.npy");
        assertThat(last(c, "val.accuracy")).isBetween(0.0, 1.0);
        if (c.record().coordinates().get("sparsity").equals("8")) {
          assertThat(last(c, "nonzeros")).isLessThanOrEqualTo(8);
        }
      }
    }
    for (StoredCell c : byStage.get("attribute")) {
      List<String> ranking = Files.readAllLines(c.artifact("ranking.csv"));
      assertThat(ranking).hasSize(1 + 120); // header + 12 images × 10 classes
      assertThat(c.artifacts()).contains("importance.npy", "scores.npy");
      assertThat(c.artifacts()).noneMatch(a -> a.startsWith("trak-work"));
      assertThat(c.artifacts()).contains("stability.json");
      assertThat(last(c, "stability.seed.spearman")).isBetween(-1.0, 1.0);
      assertThat(last(c, "stability.split-half.spearman")).isBetween(-1.0, 1.0);
      // the fixed 1-2-5 grid below the 120 training images, not the prune size (12)
      assertThat(last(c, "stability.seed.top-10")).isBetween(0.0, 1.0);
      assertThat(last(c, "stability.seed.top-100")).isBetween(0.0, 1.0);
      assertThat(c.metrics().stream().map(m -> m.name()))
          .contains("stability.seed.top-20", "stability.seed.top-50")
          .doesNotContain("stability.seed.top-12", "stability.seed.top-200");
      assertThat(last(c, "enrichment.top-100")).isPositive(); // wavy: the snake and worm classes
      // the replica's share of the cell (the CPU clock ticks in 10 ms: tiny cells may read 0)
      assertThat(last(c, "stability.cpu-seconds"))
          .isGreaterThanOrEqualTo(0.0)
          .isLessThanOrEqualTo(last(c, "cpu-seconds"));
      assertThat(last(c, "cpu-seconds")).isPositive();
    }
    for (StoredCell c : byStage.get("prune-set")) {
      assertThat(Files.readAllLines(c.artifact("excluded-ids.txt")))
          .hasSize(12)
          .doesNotHaveDuplicates();
    }
    for (StoredCell c : byStage.get("retrain")) {
      assertThat(last(c, "train.size")).isEqualTo(108);
    }
    StoredCell report = byStage.get("report").get(0);
    assertThat(Files.readAllLines(report.artifact("prune-arms.csv"))).hasSize(4);
    assertThat(report.artifacts())
        .contains(
            "summary.json",
            "probes.csv",
            "report/index.html",
            "report/probe-accuracy-by-layer.png");
    assertThat(report.artifacts()).anyMatch(a -> a.startsWith("report/prune-"));
    assertThat(report.artifacts()).anyMatch(a -> a.startsWith("report/images-"));
    byte[] png = Files.readAllBytes(report.artifact("report/probe-accuracy-by-layer.png"));
    assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    // One self-contained page: every figure embedded, none linked.
    assertThat(Files.readString(report.artifact("report/index.html")))
        .contains("<img src=\"data:image/png;base64,iVBORw0KGgo")
        .doesNotContain("src=\"probe-accuracy-by-layer.png\"")
        .contains("Pruning: ")
        .contains("<h2>Provenance</h2>")
        .contains("<tr><th>djl</th><td>0.36.0</td></tr>");

    CliHarness second = CliHarness.run("run", TINY.toString(), "--store", store);
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.err()).contains("run tiny: 30 cells, 30 cached, 0 to run");
    assertThat(second.out()).containsPattern("total +30 +30 +0 +0");
    // Same numbers from the stored cells.
    assertThat(tables(second.out())).isEqualTo(tables(first.out()));

    // `ctrace report` redraws only the report cell from the stored results.
    Files.delete(report.artifact("report/index.html"));
    CliHarness redraw = CliHarness.run("report", TINY.toString(), "--store", store);
    assertThat(redraw.exitCode()).as(redraw.err()).isZero();
    assertThat(redraw.err()).contains("30 cells, 29 cached, 1 to run");
    assertThat(redraw.out()).contains("report: ").contains("index.html");
    StoredCell redrawn = runs.cells("tiny", "report").get(0);
    assertThat(redrawn.artifact("report/index.html")).exists();

    // Without the results it refuses, and says what to do.
    CliHarness empty =
        CliHarness.run("report", TINY.toString(), "--store", dir.resolve("none").toString());
    assertThat(empty.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(empty.err()).contains("have no intact result in").contains("ctrace run");
  }

  private static double last(StoredCell c, String metric) {
    List<Metric> ms = c.metrics().stream().filter(m -> m.name().equals(metric)).toList();
    assertThat(ms).as(metric + " of " + c.record().cellId()).isNotEmpty();
    return ms.get(ms.size() - 1).value();
  }

  /** The science tables, without the timings that differ between runs. */
  private static String tables(String out) {
    return out.substring(0, out.indexOf("stage timings"));
  }
}
