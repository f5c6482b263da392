package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import io.conceptrace.core.probe.ActivationExtractor;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.probe.CachedActivations;
import io.conceptrace.core.probe.LinearProbe;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.core.trak.RankCorrelation;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate.lds} on the tiny study (layer3, dense, trak and random, 3 subsets): the subset
 * models hold exactly round(α·n) training images, each lds-probe's recorded logits are the probe's
 * own outputs on the attribution's targets, and the score in {@code lds.json} is the one the stored
 * τ, masks and margins give, and reaches the summary.
 */
@Tag("slow")
class LdsStageTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static ComputeEngine engine;

  @TempDir static Path root;

  private static Experiment experiment;
  private static RunStore store;

  @BeforeAll
  static void runTheStudy() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    experiment =
        new ExperimentLoader(
                new ExperimentLoader.Options(
                    List.of(
                        "probes.layers = [layer3]",
                        "probes.sparsity = [dense]",
                        "prune.sizes = []",
                        "attribution.method = [trak, random]",
                        "evaluate.lds.subsets = 3"),
                    false,
                    false,
                    false),
                Optional.empty())
            .load(TINY);
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(experiment);
    List<MatrixCell> cells = new ArrayList<>();
    for (Cell c : matrix.cells()) {
      cells.add(new MatrixCell(c));
    }
    store = new RunStore(root.resolve("runs"));
    Pipeline.Result result =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    matrix.experiment(),
                    cells,
                    store,
                    StageRunners.forExperiment(experiment, engine, Optional.empty()),
                    List.of(),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(2),
                new ExecutionListener() {});
    assertThat(result.report().failures()).isEmpty();
  }

  private static List<StoredCell> cells(String stage) {
    List<StoredCell> out = new ArrayList<>(store.cells("tiny", stage));
    out.sort(Comparator.comparing(c -> c.record().coordinates().toString()));
    return out;
  }

  @Test
  void subsetModelsTrainOnHalfTheImagesEachADifferentHalf() throws Exception {
    List<StoredCell> models = cells(Stages.LDS_TRAIN);
    assertThat(models).hasSize(3);
    Set<String> trainIds = new HashSet<>();
    ImageDataset train = new StudyData(new CellSpecs(experiment).data()).train();
    for (int i = 0; i < train.size(); i++) {
      trainIds.add(train.id(i));
    }
    Set<List<String>> distinct = new HashSet<>();
    for (StoredCell m : models) {
      List<String> ids = Files.readAllLines(m.artifact(StageFiles.INCLUDED_IDS));
      assertThat(ids).hasSize(60).doesNotHaveDuplicates(); // round(0.5 × 120)
      assertThat(trainIds).containsAll(ids);
      assertThat(last(m, "train.size")).isEqualTo(60.0);
      assertThat(m.artifacts()).contains("model/model.npz");
      distinct.add(ids);
    }
    assertThat(distinct).hasSize(3);
  }

  @Test
  void eachLdsProbeRecordsItsOwnOutputsOnTheTargets() throws Exception {
    StudyInputs inputs = new StudyInputs(experiment, Optional.empty());
    ConceptSet set = inputs.concepts().get("wavy", List.of());
    List<StoredCell> probes = cells(Stages.LDS_PROBE);
    assertThat(probes).hasSize(3);
    Map<String, StoredCell> modelById = new java.util.HashMap<>();
    cells(Stages.LDS_TRAIN).forEach(m -> modelById.put(m.record().cellId(), m));
    for (StoredCell p : probes) {
      float[] logits = Npy.readFloat32(p.artifact(StageFiles.TARGET_LOGITS));
      assertThat(logits).hasSize(set.test().size()); // targets = concept-test
      StoredCell model = modelById.get(p.record().inputs().get(0));
      LinearProbe probe = LinearProbe.load(p.artifact(ProbeStage.PROBE_DIR));
      // The probe's training path: flattened layer3 activations · cav + bias.
      try (NDManager manager = engine.engine().newBaseManager(engine.device());
          TrainedModel.Checkpoint c =
              TrainedModel.load(model.artifact(TrainStage.MODEL_DIR), manager)) {
        CachedActivations a =
            new ActivationExtractor(
                    c.network(),
                    "layer3",
                    Pooling.FLAT,
                    BatchEncoder.evaluation(c.normalization()),
                    64)
                .extract(set.test());
        float[] cav = probe.cav();
        for (int t = 0; t < a.size(); t++) {
          float[] row = a.row(t);
          double s = probe.bias();
          for (int k = 0; k < row.length; k++) {
            s += row[k] * cav[k];
          }
          assertThat((double) logits[t]).as("target %d", t).isCloseTo(s, within(1e-3));
        }
      }
    }
  }

  @Test
  void theScoreIsTheOneTheStoredScoresMasksAndMarginsGive() throws Exception {
    List<StoredCell> lds = cells(Stages.LDS);
    assertThat(lds).extracting(c -> c.record().coordinates().get("method")).contains("trak");
    assertThat(lds).hasSize(2);
    ImageDataset train = new StudyData(new CellSpecs(experiment).data()).train();
    Map<String, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < train.size(); i++) {
      index.put(train.id(i), i);
    }
    List<StoredCell> models = cells(Stages.LDS_TRAIN);
    List<StoredCell> probes = cells(Stages.LDS_PROBE);
    for (StoredCell c : lds) {
      String method = c.record().coordinates().get("method");
      JsonNode out = JSON.readTree(c.artifact(StageFiles.LDS_JSON).toFile());
      assertThat(out.get("method").asText()).isEqualTo(method);
      assertThat(out.get("subsets").asInt()).isEqualTo(3);
      double score = out.get("lds").asDouble();
      assertThat(score).isBetween(-1.0, 1.0);
      assertThat(out.get("ci-low").asDouble()).isLessThanOrEqualTo(score);
      assertThat(out.get("ci-high").asDouble()).isGreaterThanOrEqualTo(score);
      assertThat(last(c, StageFiles.LDS_METRIC)).isEqualTo(score);
      assertThat(last(c, StageFiles.LDS_CI_LOW)).isEqualTo(out.get("ci-low").asDouble());

      StoredCell attribute =
          store.cells("tiny", Stages.ATTRIBUTE).stream()
              .filter(a -> a.record().cellId().equals(c.record().inputs().get(0)))
              .findFirst()
              .orElseThrow();
      assertThat(attribute.record().coordinates()).containsEntry("method", method);
      float[] scores = Npy.readFloat32(attribute.artifact("scores.npy"));
      int targets = out.get("targets").asInt();
      assertThat(scores).hasSize(train.size() * targets);
      JsonNode perTarget = out.get("per-target");
      assertThat(perTarget).hasSize(targets);
      // Recompute ρ per target from the stored artifacts; the margin's sign (2y − 1) is the
      // same for all subsets of a target, so |ρ| does not depend on it.
      double[][] predicted = new double[targets][3];
      double[][] measured = new double[targets][3];
      for (int j = 0; j < 3; j++) {
        StoredCell model = models.get(j);
        boolean[] in = new boolean[train.size()];
        for (String id : Files.readAllLines(model.artifact(StageFiles.INCLUDED_IDS))) {
          in[index.get(id)] = true;
        }
        StoredCell probe =
            probes.stream()
                .filter(p -> p.record().inputs().get(0).equals(model.record().cellId()))
                .findFirst()
                .orElseThrow();
        float[] logits = Npy.readFloat32(probe.artifact(StageFiles.TARGET_LOGITS));
        for (int t = 0; t < targets; t++) {
          for (int i = 0; i < train.size(); i++) {
            predicted[t][j] += in[i] ? scores[i * targets + t] : 0;
          }
          measured[t][j] = logits[t];
        }
      }
      for (int t = 0; t < targets; t++) {
        double rho = RankCorrelation.spearman(measured[t], predicted[t]);
        assertThat(Math.abs(perTarget.get(t).asDouble()))
            .as("target %d", t)
            .isCloseTo(Math.abs(rho), within(1e-6));
      }
    }
  }

  @Test
  void theSummaryShowsTheScorePerMethod() throws Exception {
    StoredCell report = store.cells("tiny", Stages.REPORT).get(0);
    JsonNode summary = JSON.readTree(report.artifact(StageFiles.SUMMARY).toFile());
    List<io.conceptrace.runner.exec.SummaryRow> rows =
        JSON.treeToValue(summary, io.conceptrace.runner.report.StudySummary.class).rows();
    assertThat(rows)
        .filteredOn(r -> r.section().equals("attributions"))
        .hasSize(2)
        .allSatisfy(
            r -> assertThat(r.values().get("LDS [95% CI]")).matches("-?\\d\\.\\d{3} \\[.*\\]"));
    JsonNode attributions = summary.get("attributions");
    assertThat(attributions).hasSize(2);
    for (JsonNode a : attributions) {
      StoredCell lds =
          cells(Stages.LDS).stream()
              .filter(c -> c.record().coordinates().get("method").equals(a.get("method").asText()))
              .findFirst()
              .orElseThrow();
      assertThat(a.get("lds").asDouble()).isEqualTo(last(lds, StageFiles.LDS_METRIC));
      assertThat(a.get("ldsCiLow").asDouble()).isEqualTo(last(lds, StageFiles.LDS_CI_LOW));
      assertThat(a.get("ldsCiHigh").asDouble()).isEqualTo(last(lds, StageFiles.LDS_CI_HIGH));
    }
  }

  private static double last(StoredCell c, String metric) {
    return c.metrics().stream()
        .filter(m -> m.name().equals(metric))
        .map(Metric::value)
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError(c.record().stage() + " has no " + metric));
  }
}
