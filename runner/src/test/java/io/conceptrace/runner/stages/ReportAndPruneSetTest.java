package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.dsl.cell.PruneSetCellSpec;
import io.conceptrace.dsl.cell.ReportCellSpec;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.CellState;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.PlannedCell;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.runner.exec.SummaryTable;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pure stages (prune-set, report) over a hand-made study: 3 base models, 3 probes, one
 * attribution over 20 images, the three prune arms with 3 retrained models and re-probes each whose
 * accuracies are chosen so that only the top arm differs from the baseline.
 */
class ReportAndPruneSetTest {
  @TempDir Path root;

  /** A planned cell whose settings the fake stages read; only the prune sets have a real spec. */
  record Cell(
      String id,
      String stage,
      Map<String, String> coordinates,
      Map<String, Object> settings,
      List<String> inputs,
      CellSpec spec)
      implements PlannedCell {
    Cell(
        String id,
        String stage,
        Map<String, String> coordinates,
        Map<String, Object> settings,
        List<String> inputs,
        long seed) {
      this(id, stage, coordinates, settings, inputs, new ReportCellSpec(seed));
    }

    @Override
    public long seed() {
      return spec.seed();
    }
  }

  private static Map<String, String> at(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static final double[] BASELINE = {0.90, 0.92, 0.91};

  /** The base models' validation top-1 (the retrained ones: 0.01 less per member). */
  private static final double[] BASE_TOP1 = {0.80, 0.84, 0.82};

  private static final Map<String, double[]> ARMS =
      Map.of(
          "top", new double[] {0.70, 0.72, 0.71},
          "random", new double[] {0.91, 0.90, 0.92},
          "bottom", new double[] {0.92, 0.90, 0.91});

  private List<PlannedCell> study() {
    List<PlannedCell> cells = new ArrayList<>();
    List<String> reportInputs = new ArrayList<>();
    for (int m = 0; m < 3; m++) {
      Cell base =
          new Cell(
              "base" + m,
              "train-base",
              at("member", "" + m),
              Map.of("top1", BASE_TOP1[m]),
              List.of(),
              m);
      cells.add(base);
      Cell probe =
          new Cell(
              "probe" + m,
              "probe",
              at("member", "" + m, "concept", "wavy", "layer", "layer3", "sparsity", "dense"),
              Map.of("acc", BASELINE[m]),
              List.of(base.id()),
              m);
      cells.add(probe);
      reportInputs.add(probe.id());
    }
    Cell attribute =
        new Cell(
            "attr0",
            "attribute",
            at("concept", "wavy", "layer", "layer3", "sparsity", "dense"),
            Map.of(),
            List.of("probe0", "probe1", "probe2"),
            7);
    cells.add(attribute);
    reportInputs.add(attribute.id());
    for (String arm : List.of("top", "random", "bottom")) {
      Map<String, String> where =
          at("concept", "wavy", "layer", "layer3", "sparsity", "dense", "k", "5", "arm", arm);
      Cell set =
          new Cell(
              "set-" + arm,
              "prune-set",
              where,
              Map.of("k", 5, "arm", arm),
              List.of("attr0"),
              new PruneSetCellSpec(5, Experiment.Arm.valueOf(arm.toUpperCase(Locale.ROOT)), 11));
      cells.add(set);
      reportInputs.add(set.id());
      for (int m = 0; m < 3; m++) {
        Map<String, String> rat = new LinkedHashMap<>(where);
        rat.put("member", "" + m);
        Cell retrain =
            new Cell(
                "retrain-" + arm + m,
                "retrain",
                rat,
                Map.of("top1", BASE_TOP1[m] - 0.01 * (m + 1)),
                List.of(set.id()),
                m);
        cells.add(retrain);
        Cell reprobe =
            new Cell(
                "re-" + arm + m,
                "reprobe",
                rat,
                Map.of("acc", ARMS.get(arm)[m]),
                List.of(retrain.id()),
                m);
        cells.add(reprobe);
        reportInputs.add(reprobe.id());
      }
    }
    cells.add(new Cell("report", "report", Map.of(), Map.of(), reportInputs, 3));
    return cells;
  }

  private Pipeline.Result run() {
    StageRunner accuracy =
        ctx -> {
          ctx.metric(StageFiles.PROBE_ACCURACY, 1, 0.5);
          ctx.metric(StageFiles.PROBE_ACCURACY, 2, (Double) ctx.cell().settings().get("acc"));
          return ctx.commit();
        };
    StageRunner classifier =
        ctx -> {
          ctx.metric("val.top1", 1, 0.1);
          ctx.metric("val.top1", 2, (Double) ctx.cell().settings().get("top1"));
          return ctx.commit();
        };
    StageRunner ranking =
        ctx -> {
          StringBuilder b = new StringBuilder("rank,example_id,class,score\n");
          for (int i = 0; i < 20; i++) {
            b.append(i + 1)
                .append(",\"img,")
                .append(i)
                .append("\",snake,")
                .append(20 - i)
                .append('\n');
          }
          Files.writeString(ctx.file(StageFiles.RANKING), b);
          return ctx.commit();
        };
    return new Pipeline()
        .run(
            new Pipeline.Request(
                "study",
                study(),
                new RunStore(root),
                Map.of(
                    "train-base", classifier,
                    "retrain", classifier,
                    "probe", accuracy,
                    "attribute", ranking,
                    "prune-set", new PruneSetStage(),
                    "reprobe", accuracy,
                    "report", new ReportStage()),
                List.of(),
                new RunPolicy(false),
                Map.of()),
            new LocalExecutor(2),
            new ExecutionListener() {});
  }

  @Test
  void pruneSetsTakeTheTopTheBottomOrASeededRandomSample() throws Exception {
    assertThat(run().report().succeeded()).isTrue();
    RunStore store = new RunStore(root);
    List<String> top =
        Files.readAllLines(
            store
                .find("study", "prune-set", "set-top")
                .orElseThrow()
                .artifact(StageFiles.EXCLUDED_IDS));
    List<String> bottom =
        Files.readAllLines(
            store
                .find("study", "prune-set", "set-bottom")
                .orElseThrow()
                .artifact(StageFiles.EXCLUDED_IDS));
    StoredCell randomCell = store.find("study", "prune-set", "set-random").orElseThrow();
    List<String> random = Files.readAllLines(randomCell.artifact(StageFiles.EXCLUDED_IDS));
    assertThat(top).containsExactly("img,0", "img,1", "img,2", "img,3", "img,4");
    assertThat(bottom).containsExactly("img,15", "img,16", "img,17", "img,18", "img,19");
    assertThat(random).hasSize(5).doesNotHaveDuplicates().allMatch(id -> id.startsWith("img,"));
    // The same seed draws the same sample, whatever the ranking's order.
    List<RankingFile.Entry> entries =
        RankingFile.read(
            store.find("study", "attribute", "attr0").orElseThrow().artifact(StageFiles.RANKING));
    List<RankingFile.Entry> reversed = new ArrayList<>(entries);
    java.util.Collections.reverse(reversed);
    assertThat(PruneSetStage.choose(reversed, 5, Experiment.Arm.RANDOM, new Random(11)))
        .extracting(RankingFile.Entry::id)
        .containsExactlyElementsOf(random);
    assertThat(
            ReportStage.lastValue(
                store.find("study", "prune-set", "set-top").orElseThrow(), "excluded.score.mean"))
        .isEqualTo(18.0); // scores 20..16
  }

  @Test
  void aPruneSizeBeyondTheRankingFailsTheCellWithAReason() {
    List<RankingFile.Entry> r =
        List.of(new RankingFile.Entry("a", 1), new RankingFile.Entry("b", 0));
    assertThatThrownBy(() -> PruneSetStage.choose(r, 3, Experiment.Arm.TOP, new Random(0)))
        .isInstanceOf(CellFailedException.class)
        .hasMessage("prune size k=3 must be between 1 and the 2 ranked training images");
  }

  @Test
  void theReportComparesEachArmWithTheBaselineAndCachedRerunsPrintTheSameSummary()
      throws Exception {
    Pipeline.Result first = run();
    List<SummaryRow> rows = first.summary();
    String table = SummaryTable.render(rows);
    assertThat(table)
        .contains("probe accuracy")
        .contains("wavy     layer3  dense     0.910 ± 0.010 (n=3)  img,0 img,1 img,2 img,3 img,4")
        .contains("top     0.910 ± 0.010 (n=3)  0.710 ± 0.010 (n=3)  -0.200")
        .contains("random  0.910 ± 0.010 (n=3)  0.910 ± 0.010 (n=3)  +0.000      1.000    1.000");
    SummaryRow topRow =
        rows.stream().filter(r -> "top".equals(r.key().get("arm"))).findFirst().orElseThrow();
    // Welch: t = -0.2 / sqrt(2 * 0.0001 / 3) = -24.49 on 4 df -> p = 1.6e-5
    // (scipy.stats.ttest_ind).
    assertThat(topRow.values()).containsEntry("Welch p", "<0.001");
    // Exact permutation test on 3 vs 3: the observed split and its mirror of C(6,3) = 20.
    assertThat(topRow.values()).containsEntry("permutation p", "0.100");

    Path csv =
        new RunStore(root)
            .find("study", "report", "report")
            .orElseThrow()
            .artifact(StageFiles.PRUNE_ARMS_CSV);
    assertThat(Files.readAllLines(csv))
        .hasSize(4)
        .element(1)
        .asString()
        .startsWith(
            "wavy,layer3,dense,5,top,3,0.910000,0.010000,3,0.710000,0.010000,-24.494897,4.000000,");

    Pipeline.Result again = run();
    assertThat(again.report().count(CellState.CACHED)).isEqualTo(again.report().outcomes().size());
    assertThat(SummaryTable.render(again.summary())).isEqualTo(table);
  }

  @Test
  void summaryJsonHoldsNumbersAndTheReportRunCarriesThemAsFilterableMetrics() throws Exception {
    assertThat(run().report().succeeded()).isTrue();
    StoredCell report = new RunStore(root).find("study", "report", "report").orElseThrow();
    JsonNode json = new ObjectMapper().readTree(report.artifact(StageFiles.SUMMARY).toFile());
    assertThat(json.get("schema").asText()).isEqualTo("ctrace-summary/2");
    JsonNode probe = json.get("probes").get(0);
    assertThat(probe.get("accMean").isNumber()).isTrue();
    assertThat(probe.get("accMean").asDouble()).isCloseTo(0.91, within(1e-9));
    assertThat(probe.get("accStd").asDouble()).isCloseTo(0.01, within(1e-9));
    assertThat(probe.get("n").asInt()).isEqualTo(3);
    JsonNode top = json.get("pruneArms").get(0);
    assertThat(top.get("arm").asText()).isEqualTo("top");
    assertThat(top.get("k").isInt()).isTrue();
    assertThat(top.get("delta").asDouble()).isCloseTo(-0.2, within(1e-9));
    assertThat(top.get("permutationP").asDouble()).isCloseTo(0.1, within(1e-9));
    assertThat(top.get("welchP").asDouble()).isBetween(1e-6, 1e-4);

    Map<String, Double> metrics = new LinkedHashMap<>();
    report.metrics().forEach(m -> metrics.put(m.name(), m.value()));
    assertThat(metrics)
        .containsEntry("probe.wavy.layer3.dense.n", 3.0)
        .containsKeys(
            "probe.wavy.layer3.dense.acc_mean",
            "probe.wavy.layer3.dense.acc_std",
            "prune.wavy.layer3.dense.top.k5.acc_mean",
            "prune.wavy.layer3.dense.top.k5.delta",
            "prune.wavy.layer3.dense.top.k5.welch_p",
            "prune.wavy.layer3.dense.random.k5.perm_p");
    assertThat(metrics.get("prune.wavy.layer3.dense.top.k5.delta")).isCloseTo(-0.2, within(1e-9));
    // MLflow's search grammar takes dotted words without backticks, but not '-' or spaces.
    assertThat(metrics.keySet())
        .filteredOn(k -> !k.startsWith("time."))
        .allMatch(k -> k.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*"));
  }

  @Test
  void theReportSummarisesTheBaseAndEachArmsRetrainedModelsFinalAccuracy() throws Exception {
    assertThat(run().report().succeeded()).isTrue();
    StoredCell report = new RunStore(root).find("study", "report", "report").orElseThrow();
    JsonNode models =
        new ObjectMapper().readTree(report.artifact(StageFiles.SUMMARY).toFile()).get("models");
    assertThat(models).hasSize(4);
    JsonNode base = models.get(0);
    assertThat(base.get("stage").asText()).isEqualTo("train-base");
    assertThat(base.get("arm").isNull()).isTrue();
    assertThat(base.get("n").asInt()).isEqualTo(3);
    // The last epoch's value, not the first (0.1).
    assertThat(base.get("accMean").asDouble()).isCloseTo(0.82, within(1e-9));
    assertThat(base.get("accStd").asDouble()).isCloseTo(0.02, within(1e-9));
    JsonNode top = models.get(1);
    assertThat(top.get("stage").asText()).isEqualTo("retrain");
    assertThat(top.get("arm").asText()).isEqualTo("top");
    assertThat(top.get("k").asInt()).isEqualTo(5);
    // 0.79, 0.82, 0.79
    assertThat(top.get("accMean").asDouble()).isCloseTo(0.80, within(1e-9));

    Map<String, Double> metrics = new LinkedHashMap<>();
    report.metrics().forEach(m -> metrics.put(m.name(), m.value()));
    assertThat(metrics)
        .containsEntry("model.base.n", 3.0)
        .containsEntry("model.retrain.wavy.layer3.dense.bottom.k5.n", 3.0);
    assertThat(metrics.get("model.base.val_top1_mean")).isCloseTo(0.82, within(1e-9));
    assertThat(metrics.get("model.retrain.wavy.layer3.dense.top.k5.val_top1_std"))
        .isCloseTo(Math.sqrt(0.0003), within(1e-9));
    assertThat(SummaryTable.render(run().summary()))
        .contains("validation top-1")
        .contains("0.820 ± 0.020 (n=3)");
  }

  @Test
  void metricNamesReplaceWhatMlflowFiltersCannotTakeUnquoted() {
    assertThat(
            new io.conceptrace.runner.report.StudySummary(
                    List.of(
                        new io.conceptrace.runner.report.StudySummary.Probe(
                            "high-low", "layer 2", "16", 1, 0.5, 0, List.of(0.5), List.of())),
                    List.of(),
                    List.of())
                .metrics())
        .containsOnlyKeys(
            "probe.high_low.layer_2.sparse16.acc_mean",
            "probe.high_low.layer_2.sparse16.acc_std",
            "probe.high_low.layer_2.sparse16.n");
  }
}
