package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.concept.ConceptSpec;
import io.conceptrace.core.concept.ConceptSplit;
import io.conceptrace.core.concept.ImageView;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.probe.LinearProbe;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.core.trak.AttributionMethod;
import io.conceptrace.core.trak.BatchSource;
import io.conceptrace.core.trak.ConceptModel;
import io.conceptrace.core.trak.NetworkSubnetwork;
import io.conceptrace.core.trak.ProbeHead;
import io.conceptrace.core.trak.Stability;
import io.conceptrace.core.trak.Trak;
import io.conceptrace.core.trak.TrakOutputs;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.AttributeCellSpec;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code attribute}: TRAK over the base ensemble for one concept × layer × sparsity. Each member's
 * output function is its probe's logit on its layer; training images are labelled with the
 * designated member's probe (pseudo-labels, as in the paper), and so are the targets unless {@code
 * attribution.target-labels = concept} asks for the concept set's own labels. Writes {@code
 * ranking.csv} (Eq. (1), most important first), {@code importance.npy}, {@code scores.npy} and the
 * top/bottom id lists.
 */
final class AttributeStage implements StageRunner {
  private static final Logger LOG = LoggerFactory.getLogger(AttributeStage.class);
  private static final String WORK_DIR = "trak-work";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Top-attributed images whose concept rate the enrichment compares with the base rate. */
  static final int ENRICHMENT_TOP = 100;

  private static final int LABEL_BATCH = 128;

  private final StudyData data;
  private final Concepts concepts;
  private final ComputeEngine engine;

  AttributeStage(StudyData data, Concepts concepts, ComputeEngine engine) {
    this.data = data;
    this.concepts = concepts;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    AttributeCellSpec cell = ctx.spec(AttributeCellSpec.class);
    String layer = cell.layer();
    List<StoredCell> bases = baseModels(ctx);
    List<StoredCell> probes = ctx.inputs(Stages.PROBE);
    if (bases.isEmpty() || bases.size() != probes.size()) {
      throw new CellFailedException(
          "TRAK needs one probe per base model, got " + bases.size() + " and " + probes.size());
    }
    AttributionMethod method = cell.method();
    int designated = cell.pseudoLabelMember();
    if (designated < 0 || designated >= bases.size()) {
      throw new CellFailedException(
          "attribution.pseudo-labels = " + designated + " is not a member of the ensemble");
    }
    ConceptSet set = concepts.get(cell.concept(), ctx.inputs(Stages.CONCEPT));
    concepts.describe(ctx, cell.concept(), set);
    // After the concept set, which the first cell of a process builds (a Kotlin predicate is
    // compiled and run over every image): the CPU time of the attribution itself.
    long cpu0 = Trak.processCpuNanos();
    ImageDataset train = data.train();
    ImageDataset targets = targets(cell.targets(), data, set);
    boolean pooled = cell.probePooling() == Pooling.AVG;
    TrakSpec spec = cell.trak();
    Path work = ctx.writer().directory().resolve(WORK_DIR);
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec, method, work, manager, train.size(), targets.size())) {
      boolean[] trainLabels;
      boolean[] targetLabels;
      try (TrainedModel.Checkpoint c = load(bases.get(designated), manager)) {
        ConceptModel m = model(designated, c, probes.get(designated), layer, pooled);
        BatchEncoder norm = BatchEncoder.evaluation(c.normalization());
        trainLabels = Trak.pseudoLabels(m, BatchSource.of(train, norm), LABEL_BATCH, manager);
        targetLabels = targetLabels(cell, set, targets, m, norm, manager);
      }
      // Models finished by an earlier attempt of this cell (killed, failed) are not computed again.
      Path checkpoints = ctx.workArea();
      String key = checkpointKey(ctx, bases.size());
      int resumed = trak.resume(checkpoints, key).size();
      if (resumed > 0) {
        LOG.info(
            "{}: resumed after model {} of {} from {}",
            ctx.cell().label(),
            resumed - 1,
            bases.size(),
            checkpoints);
      }
      ctx.metric("resumed-models", 0, resumed);
      for (int i = resumed; i < bases.size(); i++) {
        ctx.progress().update("model", i, bases.size());
        try (TrainedModel.Checkpoint c = load(bases.get(i), manager)) {
          BatchEncoder norm = BatchEncoder.evaluation(c.normalization());
          Trak.ModelReport r =
              trak.addModel(
                  i,
                  model(i, c, probes.get(i), layer, pooled),
                  BatchSource.of(train, norm),
                  trainLabels,
                  BatchSource.of(targets, norm),
                  targetLabels);
          ctx.metric("featurize.seconds", i, r.featurizeSeconds());
          ctx.metric("featurize.gradients.seconds", i, r.gradientSeconds());
          ctx.metric("featurize.projection.generation.seconds", i, r.projectionGenerationSeconds());
          ctx.metric("featurize.projection.multiply.seconds", i, r.projectionMultiplySeconds());
          ctx.metric("train-images-per-second", i, r.trainImagesPerSecond());
          ctx.metric("lambda", i, r.lambda());
        }
        trak.checkpoint(checkpoints, key);
      }
      Trak.Result result = trak.finish();
      List<String> ids = new ArrayList<>(train.size());
      List<String> classes = new ArrayList<>(train.size());
      for (int i = 0; i < train.size(); i++) {
        ids.add(train.id(i));
        classes.add(train.classNames().get(train.label(i)));
      }
      TrakOutputs.write(ctx.writer().directory(), result, ids, classes, spec.topK());
      double cellCpu = (Trak.processCpuNanos() - cpu0) / 1e9;
      Stability stability = Stability.of(result, cell.stabilityTopK());
      Optional<boolean[]> carriers = carriers(set.spec(), train);
      double enrichment =
          carriers.map(c -> enrichment(result.importance(), c, ENRICHMENT_TOP)).orElse(Double.NaN);
      writeStability(ctx, method, stability, enrichment, cellCpu);
      if (stability.unstable()) {
        LOG.warn(
            "{}: unstable attribution, {} ({}): raise attribution.projections (seed; k and"
                + " lambda helped little when measured) or training.ensemble (split-half); see"
                + " docs/results.md",
            ctx.cell().label(),
            stability.whyUnstable(),
            stability.describe());
      }
    }
    deleteTree(work);
    return ctx.commit();
  }

  /** The images whose concept predictions are attributed ({@code attribution.targets}). */
  static ImageDataset targets(Experiment.Targets kind, StudyData data, ConceptSet set) {
    return switch (kind) {
      case VAL -> data.val();
      case CONCEPT_TEST -> set.test();
      case CONCEPT_POSITIVES -> positives(set.test());
    };
  }

  /**
   * The targets' labels y, the sign (2y − 1) of each attributed margin: the designated probe's
   * predictions, or the concept set's own labels ({@code attribution.target-labels}).
   */
  static boolean[] targetLabels(
      AttributeCellSpec a,
      ConceptSet set,
      ImageDataset targets,
      ConceptModel designated,
      BatchEncoder norm,
      NDManager manager) {
    return a.targetLabels() == Experiment.TargetLabels.PROBE
        ? Trak.pseudoLabels(designated, BatchSource.of(targets, norm), LABEL_BATCH, manager)
        : conceptLabels(set, a.targets());
  }

  /**
   * What a checkpoint of this cell depends on beyond the TRAK settings: the cell (its id hashes its
   * settings and inputs), the ensemble size and the software and threads that compute it (another
   * version or thread count may round differently, so its result is computed afresh).
   */
  private static String checkpointKey(CellContext ctx, int models) {
    Map<String, String> p = ctx.provenance();
    return String.join(
        "|",
        ctx.cell().id(),
        Integer.toString(models),
        String.valueOf(p.get("ctrace")),
        String.valueOf(p.get("djl")),
        String.valueOf(p.get("pytorch")),
        String.valueOf(p.get("device")),
        String.valueOf(p.get("threads")));
  }

  private static void writeStability(
      CellContext ctx,
      AttributionMethod method,
      Stability s,
      double enrichment,
      double cellCpuSeconds)
      throws IOException {
    ctx.metric(StageFiles.SEED_SPEARMAN, 0, s.projectionSpearman());
    s.projectionOverlap().forEach((k, v) -> ctx.metric("stability.seed.top-" + k, 0, v));
    if (!Double.isNaN(s.splitHalfSpearman())) {
      ctx.metric(StageFiles.SPLIT_HALF_SPEARMAN, 0, s.splitHalfSpearman());
      s.splitHalfOverlap().forEach((k, v) -> ctx.metric("stability.split-half.top-" + k, 0, v));
    }
    if (!Double.isNaN(enrichment)) {
      ctx.metric(StageFiles.ENRICHMENT_TOP100, 0, enrichment);
    }
    ctx.metric("stability.cpu-seconds", 0, s.cpuSeconds());
    ctx.metric("cpu-seconds", 0, cellCpuSeconds);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("method", method.word());
    out.put("seed-spearman", s.projectionSpearman());
    out.put("seed-top-k-overlap", keyed(s.projectionOverlap()));
    out.put(
        "split-half-spearman", Double.isNaN(s.splitHalfSpearman()) ? null : s.splitHalfSpearman());
    out.put("split-half-top-k-overlap", keyed(s.splitHalfOverlap()));
    out.put("enrichment-top-100", Double.isNaN(enrichment) ? null : enrichment);
    // CPU times are metrics only: the artifact holds what the same inputs always give, so a
    // recomputed cell has the same bytes.
    JSON.writeValue(ctx.file(StageFiles.STABILITY).toFile(), out);
  }

  private static Map<String, Double> keyed(Map<Integer, Double> byK) {
    Map<String, Double> out = new LinkedHashMap<>();
    byK.keySet().stream().sorted().forEach(k -> out.put(Integer.toString(k), byK.get(k)));
    return out;
  }

  /**
   * Which training images carry the concept, where that is known from the concept's definition: the
   * listed classes, the predicate evaluated on every training image (on generated data this is the
   * planted ground truth), or an activation concept's training positives. Empty for folder and
   * relative concepts.
   */
  static Optional<boolean[]> carriers(ConceptSpec spec, ImageDataset train) {
    boolean[] out = new boolean[train.size()];
    if (spec instanceof ConceptSpec.ClassSubset cs) {
      Set<Integer> classes = Set.copyOf(cs.classes());
      for (int i = 0; i < out.length; i++) {
        out[i] = classes.contains(train.label(i));
      }
      return Optional.of(out);
    }
    if (spec instanceof ConceptSpec.TopActivating ta) {
      for (int i = 0; i < out.length; i++) {
        out[i] = ta.positive(true, i);
      }
      return Optional.of(out);
    }
    if (spec instanceof ConceptSpec.PredicateConcept pc) {
      for (int i = 0; i < out.length; i++) {
        Example e = train.get(i);
        out[i] = pc.predicate().test(new ImageView(e.id(), e.label(), e.image()));
      }
      return Optional.of(out);
    }
    return Optional.empty();
  }

  /**
   * The carriers' rate among the {@code top} most important images over their rate in the whole
   * training set (1 = no better than chance); NaN when no image carries the concept.
   */
  static double enrichment(double[] importance, boolean[] carriers, int top) {
    int n = importance.length;
    int k = Math.min(top, n);
    long carrying = 0;
    for (boolean c : carriers) {
      carrying += c ? 1 : 0;
    }
    if (carrying == 0) {
      return Double.NaN;
    }
    int[] order =
        java.util.stream.IntStream.range(0, n)
            .boxed()
            .sorted(
                (i, j) ->
                    importance[i] != importance[j]
                        ? Double.compare(importance[j], importance[i])
                        : Integer.compare(i, j))
            .mapToInt(Integer::intValue)
            .toArray();
    int hits = 0;
    for (int r = 0; r < k; r++) {
      hits += carriers[order[r]] ? 1 : 0;
    }
    return (hits / (double) k) / (carrying / (double) n);
  }

  /**
   * The cell's base-model inputs in input order: {@code train-base} cells, or {@code import-base}
   * cells when the ensemble comes from checkpoints ({@code model.checkpoints}).
   */
  static List<StoredCell> baseModels(CellContext ctx) {
    return ctx.inputs().stream().filter(c -> Stages.isBaseModel(c.record().stage())).toList();
  }

  /** The cell's one base-model input; fails the cell unless there is exactly one. */
  static StoredCell baseModel(CellContext ctx) {
    List<StoredCell> bases = baseModels(ctx);
    if (bases.size() != 1) {
      throw new CellFailedException(
          "expected one base-model input, the matrix gives " + bases.size());
    }
    return bases.get(0);
  }

  static TrainedModel.Checkpoint load(StoredCell base, NDManager manager) {
    return TrainedModel.load(base.artifact(TrainStage.MODEL_DIR), manager);
  }

  /**
   * h_m: member {@code index}'s subnetwork up to the layer and its probe, as TRAK attributes it.
   */
  static ConceptModel model(
      int index, TrainedModel.Checkpoint c, StoredCell probe, String layer, boolean pooled) {
    LinearProbe lp = LinearProbe.load(probe.artifact(ProbeStage.PROBE_DIR));
    return new ConceptModel(
        "model-" + index + "/" + layer,
        new NetworkSubnetwork(c.network(), layer),
        new ProbeHead(lp.cav(), lp.bias(), pooled));
  }

  /** The concept test set's positives (their concept labels are all true). */
  private static ImageDataset positives(ConceptSplit test) {
    int[] indices =
        java.util.stream.IntStream.range(0, test.size()).filter(test::isPositive).toArray();
    if (indices.length == 0) {
      throw new CellFailedException("the concept test set has no positives to attribute");
    }
    return Subsets.ofIndices(test, indices, test.name() + "/positives");
  }

  private static boolean[] conceptLabels(ConceptSet set, Experiment.Targets targets) {
    if (targets == Experiment.Targets.CONCEPT_POSITIVES) {
      boolean[] all = new boolean[positives(set.test()).size()];
      java.util.Arrays.fill(all, true);
      return all;
    }
    float[] labels = set.test().labels();
    boolean[] out = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) {
      out[i] = labels[i] > 0.5f;
    }
    return out;
  }

  /** The base model's evaluation-time input normalisation, per channel. */
  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
