package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.io.Npy;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.probe.LinearProbe;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.core.trak.BatchSource;
import io.conceptrace.core.trak.ConceptModel;
import io.conceptrace.core.trak.LinearDatamodelScore;
import io.conceptrace.core.trak.NetworkSubnetwork;
import io.conceptrace.core.trak.ProbeHead;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.AttributeCellSpec;
import io.conceptrace.dsl.cell.LdsCellSpec;
import io.conceptrace.dsl.cell.LdsSubset;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lds}: the linear datamodeling score of one attribute cell ({@code evaluate.lds}). The
 * {@code lds-train} cells trained base models on seeded α-subsets S_j of the training set and the
 * {@code lds-probe} cells the concept probe on each, recording the probe's logit s_j(x_t) on every
 * target. The measured output of subset j on target t is the signed margin (2y_t − 1)·s_j(x_t) with
 * the same y_t the attribution used (the designated probe's prediction, or the concept label), i.e.
 * exactly the output function whose scores τ(t, i) the attribute cell wrote; the prediction is Σ_{i
 * ∈ S_j} τ(t, i). Writes {@value StageFiles#LDS_JSON} and the {@code lds}, {@code lds_ci_low},
 * {@code lds_ci_high} metrics.
 */
final class LdsStage implements StageRunner {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final int LOGIT_BATCH = 128;

  private final StudyData data;
  private final Concepts concepts;
  private final ComputeEngine engine;

  LdsStage(StudyData data, Concepts concepts, ComputeEngine engine) {
    this.data = data;
    this.concepts = concepts;
    this.engine = engine;
  }

  /** An {@code lds-train} cell's subset of the training set, in the training set's order. */
  static ImageDataset images(LdsSubset subset, ImageDataset train) {
    boolean[] mask =
        LinearDatamodelScore.subset(train.size(), subset.fraction(), subset.seed(), subset.index());
    int[] indices = java.util.stream.IntStream.range(0, mask.length).filter(i -> mask[i]).toArray();
    return Subsets.ofIndices(train, indices, train.name() + "/lds-subset-" + subset.index());
  }

  /** lds-train: records the ids the subset model was trained on (what the score reads). */
  static void writeIncluded(CellContext ctx, ImageDataset subset) throws IOException {
    List<String> ids = new ArrayList<>(subset.size());
    for (int i = 0; i < subset.size(); i++) {
      ids.add(subset.id(i));
    }
    Files.write(ctx.file(StageFiles.INCLUDED_IDS), ids);
  }

  /**
   * lds-probe: the freshly trained probe's logits s(x_t) on the attribution's targets, through the
   * same {@link ConceptModel} (subnetwork up to the layer, the probe as saved) that TRAK
   * differentiates.
   */
  void writeTargetLogits(
      CellContext ctx,
      TrainedModel.Checkpoint checkpoint,
      String layer,
      ConceptSet set,
      Experiment.Targets targetKind,
      Pooling pooling,
      NDManager manager) {
    LinearProbe saved = LinearProbe.load(ctx.writer().directory().resolve(ProbeStage.PROBE_DIR));
    boolean pooled = pooling == Pooling.AVG;
    ConceptModel model =
        new ConceptModel(
            ctx.cell().label(),
            new NetworkSubnetwork(checkpoint.network(), layer),
            new ProbeHead(saved.cav(), saved.bias(), pooled));
    ImageDataset targets = AttributeStage.targets(targetKind, data, set);
    BatchSource inputs =
        BatchSource.of(targets, BatchEncoder.evaluation(checkpoint.normalization()));
    float[] logits = new float[inputs.size()];
    for (int start = 0; start < inputs.size(); start += LOGIT_BATCH) {
      int count = Math.min(LOGIT_BATCH, inputs.size() - start);
      try (NDManager scope = manager.newSubManager()) {
        System.arraycopy(model.logits(inputs.batch(start, count, scope)), 0, logits, start, count);
      }
    }
    Npy.writeFloat32(ctx.file(StageFiles.TARGET_LOGITS), logits, logits.length);
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    LdsCellSpec cell = ctx.spec(LdsCellSpec.class);
    AttributeCellSpec a = cell.attribution();
    String layer = a.layer();
    StoredCell attribute = ctx.input(Stages.ATTRIBUTE);
    List<StoredCell> models = bySubset(ctx.inputs(Stages.LDS_TRAIN));
    List<StoredCell> probes = bySubset(ctx.inputs(Stages.LDS_PROBE));
    if (models.size() < 2 || models.size() != probes.size()) {
      throw new CellFailedException(
          "LDS needs one probe per subset model and at least 2 subsets, got "
              + models.size()
              + " models and "
              + probes.size()
              + " probes");
    }
    ConceptSet set = concepts.get(a.concept(), ctx.inputs(Stages.CONCEPT));
    ImageDataset train = data.train();
    ImageDataset targets = AttributeStage.targets(a.targets(), data, set);
    boolean[] labels;
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        TrainedModel.Checkpoint c = AttributeStage.load(AttributeStage.baseModel(ctx), manager)) {
      boolean pooled = a.probePooling() == Pooling.AVG;
      ConceptModel designated =
          AttributeStage.model(a.pseudoLabelMember(), c, ctx.input(Stages.PROBE), layer, pooled);
      labels =
          AttributeStage.targetLabels(
              a, set, targets, designated, BatchEncoder.evaluation(c.normalization()), manager);
    }
    double[][] tau = tau(attribute, train.size(), targets.size());
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < train.size(); i++) {
      index.put(train.id(i), i);
    }
    boolean[][] included = new boolean[models.size()][];
    double[][] measured = new double[models.size()][];
    for (int j = 0; j < models.size(); j++) {
      included[j] = mask(models.get(j), index, train.size());
      float[] logits = Npy.readFloat32(probes.get(j).artifact(StageFiles.TARGET_LOGITS));
      if (logits.length != targets.size()) {
        throw new CellFailedException(
            describe(probes.get(j))
                + " holds "
                + logits.length
                + " target logits, the attribution has "
                + targets.size()
                + " targets");
      }
      measured[j] = new double[logits.length];
      for (int t = 0; t < logits.length; t++) {
        measured[j][t] = (labels[t] ? 1.0 : -1.0) * logits[t];
      }
    }
    LinearDatamodelScore score = LinearDatamodelScore.of(included, measured, tau, ctx.seed());
    ctx.metric(StageFiles.LDS_METRIC, 0, score.lds());
    ctx.metric(StageFiles.LDS_CI_LOW, 0, score.ciLow());
    ctx.metric(StageFiles.LDS_CI_HIGH, 0, score.ciHigh());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("method", a.method().word());
    out.put("lds", score.lds());
    out.put("ci-low", score.ciLow());
    out.put("ci-high", score.ciHigh());
    out.put("confidence", 0.95);
    out.put("subsets", score.subsets());
    out.put("fraction", cell.fraction());
    out.put("targets", score.targets());
    out.put("per-target", score.perTarget());
    JSON.writeValue(ctx.file(StageFiles.LDS_JSON).toFile(), out);
    return ctx.commit();
  }

  /** τ from the attribute cell's {@code scores.npy} (n × targets), as [targets][n]. */
  private static double[][] tau(StoredCell attribute, int n, int targets) {
    var file = attribute.artifact("scores.npy");
    long[] shape = Npy.readHeader(file).shape();
    if (shape.length != 2 || shape[0] != n || shape[1] != targets) {
      throw new CellFailedException(
          describe(attribute)
              + ": scores.npy has shape "
              + java.util.Arrays.toString(shape)
              + ", expected ["
              + n
              + ", "
              + targets
              + "]");
    }
    float[] scores = Npy.readFloat32(file);
    double[][] out = new double[targets][n];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < targets; t++) {
        out[t][i] = scores[i * targets + t];
      }
    }
    return out;
  }

  private static boolean[] mask(StoredCell model, Map<String, Integer> index, int n)
      throws IOException {
    boolean[] out = new boolean[n];
    for (String id : Files.readAllLines(model.artifact(StageFiles.INCLUDED_IDS))) {
      Integer i = index.get(id);
      if (i == null) {
        throw new CellFailedException(
            describe(model) + " was trained on '" + id + "', not in the training set");
      }
      out[i] = true;
    }
    return out;
  }

  /** Cells of one stage ordered by their {@code subset} coordinate. */
  private static List<StoredCell> bySubset(List<StoredCell> cells) {
    List<StoredCell> out = new ArrayList<>(cells);
    out.sort(
        Comparator.comparingInt(c -> Integer.parseInt(c.record().coordinates().get("subset"))));
    return out;
  }

  private static String describe(StoredCell c) {
    return c.record().stage() + " " + c.record().coordinates();
  }
}
