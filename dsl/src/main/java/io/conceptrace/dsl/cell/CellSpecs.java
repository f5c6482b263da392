package io.conceptrace.dsl.cell;

import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.probe.ProbeOptimizer;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.core.train.LrSchedule;
import io.conceptrace.core.train.OptimizerSpec;
import io.conceptrace.core.train.ProgressiveResolution;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.trak.AttributionMethod;
import io.conceptrace.core.trak.EnsembleMode;
import io.conceptrace.core.trak.ParameterGroups;
import io.conceptrace.core.trak.ProjectionKind;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.CellHash;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The one mapping from an experiment's sections to the cells' typed specs: every semantic key of
 * the experiment file is read here (and in the matrix expander, for which cells exist), and nowhere
 * else in the computation.
 */
public final class CellSpecs {
  /**
   * Probe augmentation ({@code probes.augmentation = true}): torchvision's random-resized crop and
   * horizontal flip, at the image's own size.
   */
  public static final Augmentation PROBE_AUGMENTATION = Augmentation.randomResizedCropAndFlip();

  /**
   * The top-k sizes whose overlaps the stability figures report (those below the training-set
   * size): a 1-2-5 grid, fixed rather than the study's prune sizes, so that adding a prune size
   * does not recompute the attribution it prunes by.
   */
  public static final List<Integer> STABILITY_TOP_K =
      List.of(10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000);

  private final Experiment experiment;

  public CellSpecs(Experiment experiment) {
    this.experiment = experiment;
  }

  public DataSpec data() {
    Experiment.Data d = experiment.data();
    return new DataSpec(
        d.source(),
        d.classes(),
        d.imageSize(),
        d.channels(),
        d.train(),
        d.val(),
        // The per-class subsets are sampled once per experiment seed, the same for every model.
        CellHash.seed(experiment.seed(), "data", Map.of()));
  }

  /** {@code train-base} and {@code retrain} cells. */
  public TrainCellSpec train(long seed) {
    return new TrainCellSpec(
        data(), experiment.architecture(), training(experiment.training(), seed), Optional.empty());
  }

  /** An {@code import-base} cell: ensemble member {@code member} read from its checkpoint. */
  public ImportCellSpec importBase(int member, long seed) {
    Experiment.Checkpoint c = experiment.model().checkpoints().get(member);
    return new ImportCellSpec(data(), experiment.architecture(), c.file(), c.sha256(), seed);
  }

  /** An {@code lds-train} cell: the study's training recipe on subset {@code index}. */
  public TrainCellSpec ldsTrain(int index, long seed) {
    return new TrainCellSpec(
        data(),
        experiment.architecture(),
        training(experiment.training(), seed),
        Optional.of(
            new LdsSubset(
                experiment.evaluate().lds().fraction(),
                index,
                CellHash.seed(experiment.seed(), "lds-subsets", Map.of()))));
  }

  /** An {@code lds-probe} cell: the study's probe recipe, recording the attribution's targets. */
  public ProbeCellSpec ldsProbe(
      Experiment.Concept concept, String layer, Experiment.Sparsity sparsity, long seed) {
    return probeCell(
        concept, layer, sparsity, seed, Optional.of(experiment.attribution().targets()));
  }

  /** An {@code lds} cell scoring the attribute cell whose spec is {@code scored}. */
  public LdsCellSpec lds(AttributeCellSpec scored, long seed) {
    Experiment.Lds lds = experiment.evaluate().lds();
    return new LdsCellSpec(scored, lds.subsets(), lds.fraction(), seed);
  }

  /** A probe (or reprobe) cell for one concept, layer and sparsity. */
  public ProbeCellSpec probe(
      Experiment.Concept concept, String layer, Experiment.Sparsity sparsity, long seed) {
    return probeCell(concept, layer, sparsity, seed, Optional.empty());
  }

  private ProbeCellSpec probeCell(
      Experiment.Concept concept,
      String layer,
      Experiment.Sparsity sparsity,
      long seed,
      Optional<Experiment.Targets> recordedTargets) {
    Experiment.Probes p = experiment.probes();
    return new ProbeCellSpec(
        concept(concept),
        layer,
        probe(p, concept, sparsity, seed),
        probeAugmentation(p),
        recordedTargets);
  }

  /** An attribute cell for one concept, layer and method. */
  public AttributeCellSpec attribute(
      Experiment.Concept concept, String layer, String method, long seed) {
    Experiment.Attribution a = experiment.attribution();
    return new AttributeCellSpec(
        concept(concept),
        layer,
        AttributionMethod.ofWord(method),
        trak(a, seed),
        a.targets(),
        a.targetLabels(),
        a.pseudoLabels(),
        pooling(experiment.probes()),
        STABILITY_TOP_K);
  }

  public PruneSetCellSpec pruneSet(int k, Experiment.Arm arm, long seed) {
    return new PruneSetCellSpec(k, arm, seed);
  }

  /** What defines a concept's example sets. */
  public ConceptRef concept(Experiment.Concept c) {
    return new ConceptRef(c.name(), conceptDefinition(c));
  }

  private Map<String, Object> conceptDefinition(Experiment.Concept c) {
    Map<String, Object> s = new TreeMap<>();
    s.put("kind", Canonical.word(c.kind()));
    switch (c.kind()) {
      case CLASSES -> {
        if (!c.classIds().isEmpty() || c.classNames().isEmpty()) {
          s.put(
              "classes",
              c.classIds().isEmpty() && c.classesScript().isPresent() ? List.of() : c.classIds());
        }
        if (c.classIds().size() != c.classNames().size()) {
          s.put("class-names", c.classNames());
        }
        if (c.classIds().isEmpty() && c.classNames().isEmpty()) {
          c.classesScript().ifPresent(b -> s.put("classes-kotlin", b.source()));
        }
      }
      case PREDICATE -> {
        s.put("script", c.script().map(b -> b.source().strip()).orElse(""));
        s.put("threshold", c.threshold().isPresent() ? c.threshold().getAsDouble() : null);
      }
      case FOLDER -> {
        s.put("positives", c.positives().map(Object::toString).orElse(null));
        s.put("test-positives", c.testPositives().map(Object::toString).orElse(null));
        s.put("test-fraction", c.testFraction());
      }
      case RELATIVE -> {
        s.put("a", conceptDefinition(experiment.concepts().get(c.a().orElseThrow())));
        s.put("b", conceptDefinition(experiment.concepts().get(c.b().orElseThrow())));
      }
      case ACTIVATION -> {
        Experiment.Activation a = c.activation().orElseThrow();
        s.put("reference", reference(a.reference()));
        s.put("layer", a.layer());
        s.put("channels", a.channels());
        s.put("combine", Canonical.word(a.combine()));
        s.put("fraction", a.fraction());
      }
    }
    s.put("max-positives", c.maxPositives().isPresent() ? c.maxPositives().getAsInt() : null);
    // Negatives are sampled with a seed of their own, the same for every model and layer.
    s.put("sample-seed", conceptSampleSeed(c.name()));
    return s;
  }

  /**
   * A reference as the definition records it: the base model by member (its cell id is the concept
   * cell's input), a TorchScript module by content hash (its path does not change what it computes)
   * and the layer it outputs.
   */
  private static Object reference(Experiment.Reference r) {
    if (r instanceof Experiment.Reference.TorchScript t) {
      Map<String, Object> m = new TreeMap<>();
      m.put("torchscript-sha256", t.sha256().orElse(null));
      m.put("layer-output", t.layerOutput());
      return m;
    }
    if (r instanceof Experiment.Reference.Checkpoint k) {
      Map<String, Object> m = new TreeMap<>();
      m.put("checkpoint-sha256", k.sha256().orElse(null));
      m.put("architecture", Canonical.model(k.architecture()));
      return m;
    }
    return "train-base[" + ((Experiment.Reference.BaseModel) r).member() + "]";
  }

  /** A {@code concept} cell computing an activation concept's scores and threshold. */
  public ConceptCellSpec conceptCell(Experiment.Concept c, long seed) {
    return new ConceptCellSpec(concept(c), c.activation().orElseThrow(), data(), seed);
  }

  /** The seed of a concept's negative sample (by name: the same for every model and layer). */
  public long conceptSampleSeed(String concept) {
    return CellHash.seed(experiment.seed(), "concept", Map.of("concept", concept));
  }

  /** The training section as the trainer's spec, seeded with the cell's seed. */
  public static TrainSpec training(Experiment.Training t, long seed) {
    OptimizerSpec optimizer =
        switch (t.optimizer().name()) {
          case SGD ->
              new OptimizerSpec(
                  OptimizerSpec.Kind.SGD,
                  t.optimizer().lr(),
                  t.optimizer().momentum(),
                  t.optimizer().nesterov(),
                  t.weightDecay(),
                  t.weightDecayBatchnorm(),
                  0.9,
                  0.999,
                  1e-8);
          case ADAM ->
              new OptimizerSpec(
                  OptimizerSpec.Kind.ADAM,
                  t.optimizer().lr(),
                  0,
                  false,
                  t.weightDecay(),
                  t.weightDecayBatchnorm(),
                  0.9,
                  0.999,
                  1e-8);
        };
    LrSchedule schedule =
        switch (t.schedule().kind()) {
          case CONSTANT -> new LrSchedule.Constant();
          case STEP -> new LrSchedule.Step(t.schedule().stepEvery(), t.schedule().stepFactor());
          case TRIANGULAR ->
              new LrSchedule.Triangular(t.schedule().peakEpoch(), t.schedule().startFactor());
          case COSINE -> new LrSchedule.Cosine(t.schedule().peakEpoch());
        };
    Augmentation augmentation =
        new Augmentation(
            switch (t.augmentation().crop()) {
              case NONE -> Augmentation.Crop.NONE;
              case PAD_CROP -> Augmentation.Crop.PAD_CROP;
              case RANDOM_RESIZED -> Augmentation.Crop.RANDOM_RESIZED;
            },
            t.augmentation().cropPadding(),
            t.augmentation().flip());
    Experiment.ProgressiveResolution pr = t.progressiveResolution();
    Optional<ProgressiveResolution> resolution =
        pr.enabled()
            ? Optional.of(
                new ProgressiveResolution(
                    pr.minSize(), pr.maxSize(), pr.startEpoch(), pr.endEpoch()))
            : Optional.empty();
    return new TrainSpec(
        t.epochs(),
        t.batchSize(),
        optimizer,
        schedule,
        t.labelSmoothing(),
        augmentation,
        seed,
        1,
        Math.max(t.batchSize(), 256),
        resolution);
  }

  /** How the probe's training images are augmented on the fly; empty: cached activations. */
  public static Optional<Augmentation> probeAugmentation(Experiment.Probes p) {
    return p.augmentation() ? Optional.of(PROBE_AUGMENTATION) : Optional.empty();
  }

  static Pooling pooling(Experiment.Probes p) {
    return p.activations() == Experiment.Activations.POOLED ? Pooling.AVG : Pooling.FLAT;
  }

  /** What the probe trainer receives for one probe cell. */
  public static ProbeSpec probe(
      Experiment.Probes p, Experiment.Concept concept, Experiment.Sparsity sparsity, long seed) {
    ProbeOptimizer optimizer =
        switch (p.optimizer().name()) {
          case ADAM -> ProbeOptimizer.ADAM;
          case SGD -> ProbeOptimizer.sgd(p.optimizer().momentum(), p.optimizer().nesterov());
        };
    return new ProbeSpec(
        p.epochsFor(concept),
        p.optimizer().lr(),
        p.batchSize(),
        p.weightDecay(),
        sparsity.dense() ? OptionalInt.empty() : OptionalInt.of(sparsity.k()),
        seed,
        pooling(p),
        optimizer);
  }

  /** What TRAK receives for one attribution cell. */
  public static TrakSpec trak(Experiment.Attribution a, long seed) {
    return TrakSpec.defaults(a.projectionDim())
        .withProjection(
            switch (a.projection()) {
              case GAUSSIAN -> ProjectionKind.GAUSSIAN;
              case RADEMACHER -> ProjectionKind.RADEMACHER;
              case SPARSE_JL -> ProjectionKind.SPARSE_JL;
            },
            a.projectionDim(),
            seed)
        .withRidge(a.lambda())
        .withEnsembleMode(
            a.kernelMode() == Experiment.KernelMode.REFERENCE
                ? EnsembleMode.TRAKER
                : EnsembleMode.PLAIN)
        .withParameters(ParameterGroups.parse(String.join("+", a.parameterGroups())))
        .withBatchSize(a.batchSize())
        .withProjections(a.projections());
  }
}
