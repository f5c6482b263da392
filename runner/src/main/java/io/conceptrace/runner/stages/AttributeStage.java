package io.conceptrace.runner.stages;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.probe.LinearProbe;
import io.conceptrace.core.train.TrainedModel;
import io.conceptrace.core.trak.BatchSource;
import io.conceptrace.core.trak.ConceptModel;
import io.conceptrace.core.trak.EnsembleMode;
import io.conceptrace.core.trak.NetworkSubnetwork;
import io.conceptrace.core.trak.ParameterGroups;
import io.conceptrace.core.trak.ProbeHead;
import io.conceptrace.core.trak.ProjectionKind;
import io.conceptrace.core.trak.Trak;
import io.conceptrace.core.trak.TrakOutputs;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
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
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code attribute}: TRAK over the base ensemble for one concept × layer × sparsity. Each member's
 * output function is its probe's logit on its layer; training images are labelled with the
 * designated member's probe (pseudo-labels, as in the paper), and so are the targets unless {@code
 * attribution.target-labels = concept} asks for the concept set's own labels. Writes {@code
 * ranking.csv} (Eq. (1), most important first), {@code importance.npy}, {@code scores.npy} and the
 * top/bottom id lists.
 */
final class AttributeStage implements StageRunner {
  private static final String WORK_DIR = "trak-work";
  private static final int LABEL_BATCH = 128;

  private final Experiment experiment;
  private final StudyData data;
  private final Concepts concepts;
  private final ComputeEngine engine;

  AttributeStage(Experiment experiment, StudyData data, Concepts concepts, ComputeEngine engine) {
    this.experiment = experiment;
    this.data = data;
    this.concepts = concepts;
    this.engine = engine;
  }

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    String layer = ctx.cell().coordinates().get("layer");
    List<StoredCell> bases = ctx.inputs(Stages.TRAIN_BASE);
    List<StoredCell> probes = ctx.inputs(Stages.PROBE);
    if (bases.isEmpty() || bases.size() != probes.size()) {
      throw new CellFailedException(
          "TRAK needs one probe per base model, got " + bases.size() + " and " + probes.size());
    }
    Experiment.Attribution a = experiment.attribution();
    int designated = a.pseudoLabels();
    if (designated < 0 || designated >= bases.size()) {
      throw new CellFailedException(
          "attribution.pseudo-labels = " + designated + " is not a member of the ensemble");
    }
    ConceptSet set = concepts.get(ctx.cell().coordinates().get("concept"));
    ImageDataset train = data.train();
    ImageDataset targets = a.targets() == Experiment.Targets.VAL ? data.val() : set.test();
    boolean pooled = experiment.probes().activations() == Experiment.Activations.POOLED;
    TrakSpec spec =
        TrakSpec.defaults(a.projectionDim())
            .withProjection(
                a.projection() == Experiment.Projection.GAUSSIAN
                    ? ProjectionKind.GAUSSIAN
                    : ProjectionKind.RADEMACHER,
                a.projectionDim(),
                ctx.seed())
            .withRidge(a.lambda())
            .withEnsembleMode(
                a.kernelMode() == Experiment.KernelMode.REFERENCE
                    ? EnsembleMode.TRAKER
                    : EnsembleMode.PLAIN)
            .withParameters(ParameterGroups.parse(String.join("+", a.parameterGroups())))
            .withBatchSize(a.batchSize());
    Path work = ctx.writer().directory().resolve(WORK_DIR);
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec, work, manager, train.size(), targets.size())) {
      boolean[] trainLabels;
      boolean[] targetLabels;
      try (TrainedModel.Checkpoint c = load(bases.get(designated), manager)) {
        ConceptModel m = model(designated, c, probes.get(designated), layer, pooled);
        BatchEncoder norm = BatchEncoder.evaluation(c.normalization());
        trainLabels = Trak.pseudoLabels(m, BatchSource.of(train, norm), LABEL_BATCH, manager);
        targetLabels =
            a.targetLabels() == Experiment.TargetLabels.PROBE
                ? Trak.pseudoLabels(m, BatchSource.of(targets, norm), LABEL_BATCH, manager)
                : conceptLabels(set);
      }
      for (int i = 0; i < bases.size(); i++) {
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
          ctx.metric("train-images-per-second", i, r.trainImagesPerSecond());
          ctx.metric("lambda", i, r.lambda());
        }
      }
      Trak.Result result = trak.finish();
      List<String> ids = new ArrayList<>(train.size());
      List<String> classes = new ArrayList<>(train.size());
      for (int i = 0; i < train.size(); i++) {
        ids.add(train.id(i));
        classes.add(train.classNames().get(train.label(i)));
      }
      TrakOutputs.write(ctx.writer().directory(), result, ids, classes, spec.topK());
    }
    deleteTree(work);
    return ctx.commit();
  }

  private static TrainedModel.Checkpoint load(StoredCell base, NDManager manager) {
    return TrainedModel.load(base.artifact(TrainStage.MODEL_DIR), manager);
  }

  private static ConceptModel model(
      int index, TrainedModel.Checkpoint c, StoredCell probe, String layer, boolean pooled) {
    LinearProbe lp = LinearProbe.load(probe.artifact(ProbeStage.PROBE_DIR));
    return new ConceptModel(
        "model-" + index + "/" + layer,
        new NetworkSubnetwork(c.network(), layer),
        new ProbeHead(lp.cav(), lp.bias(), pooled));
  }

  private static boolean[] conceptLabels(ConceptSet set) {
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
