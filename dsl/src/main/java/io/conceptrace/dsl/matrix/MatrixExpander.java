package io.conceptrace.dsl.matrix;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.Experiment.Arm;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.Optimizer;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.Experiment.Split;
import io.conceptrace.dsl.Experiment.Training;
import io.conceptrace.dsl.script.KotlinScriptHost;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Expands an {@link Experiment} into its {@link RunMatrix}.
 *
 * <p>Each cell's settings hold exactly what affects its result, so that e.g. probe settings never
 * reach a base model's hash, and a new layer adds cells without touching existing ones. Only the
 * {@code report} cell reads everything, so its id changes whenever the matrix does.
 */
public final class MatrixExpander {
  /**
   * Marks cells whose computation changed meaning under unchanged settings (issue 14:
   * random-resized crops, progressive resolution and the triangular start-factor reach the trainer;
   * probe augmentation and the SGD probe optimizer reach the probe trainer; a folder concept's
   * test-positives reach its concept set). Before, such cells were computed as pad-crop, full
   * resolution, a ramp from 0, cached activations, Adam and positives held out of one folder; the
   * marker gives them new ids, so those results are never reused under the new meaning. Cells that
   * computed the same thing before and after keep their ids.
   */
  static final String REVISION_KEY = "revision";

  static final int REVISION = 2;

  private final Optional<KotlinScriptHost> scripts;

  /**
   * @param scripts the host that runs {@code matrix.exclude}; empty: the filter is not applied
   *     ({@code --no-scripts}) and a note says so
   */
  public MatrixExpander(Optional<KotlinScriptHost> scripts) {
    this.scripts = scripts;
  }

  public RunMatrix expand(Experiment e) {
    Builder b = new Builder(e);
    List<String> notes = new ArrayList<>();
    if (e.exclude().isPresent()) {
      if (scripts.isPresent()) {
        b.filter = Optional.of(scripts.get().filter(e.exclude().get()));
      } else {
        notes.add(
            "matrix.exclude is a Kotlin block (not run: --no-scripts): no cells were excluded");
      }
    }
    e.probes()
        .layersScript()
        .ifPresent(
            s ->
                notes.add(
                    "probes.layers is computed by a Kotlin block (not run: --no-scripts): probe cells and their dependents are not listed"));
    e.probes()
        .sparsityScript()
        .ifPresent(
            s ->
                notes.add(
                    "probes.sparsity is computed by a Kotlin block (not run: --no-scripts): probe cells and their dependents are not listed"));
    e.prune()
        .sizesScript()
        .ifPresent(
            s ->
                notes.add(
                    "prune.sizes is computed by a Kotlin block (not run: --no-scripts): prune cells are not listed"));
    for (Concept c : e.concepts().values()) {
      c.classesScript()
          .filter(s -> c.classIds().isEmpty() && c.classNames().isEmpty())
          .ifPresent(
              s ->
                  notes.add(
                      "concepts."
                          + c.name()
                          + ".classes is computed by a Kotlin block (not run: --no-scripts); its settings show the block"));
    }
    b.build();
    return new RunMatrix(e.name(), b.cells, notes, b.excluded);
  }

  private static final class Builder {
    private final Experiment e;
    private final List<Cell> cells = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private Optional<KotlinScriptHost.CellFilter> filter = Optional.empty();
    private int excluded;

    Builder(Experiment e) {
      this.e = e;
    }

    void build() {
      List<Optional<Cell>> bases = new ArrayList<>();
      for (int m = 0; m < e.training().ensemble(); m++) {
        Map<String, String> at = coords("member", m);
        Map<String, Object> s = baseSettings();
        bases.add(add(Stages.TRAIN_BASE, at, s, List.of()));
      }
      List<Cell> reportInputs = new ArrayList<>();
      Map<String, Cell> attributeCells = new LinkedHashMap<>();
      List<Attributed> attributed = new ArrayList<>();
      for (Concept concept : e.concepts().values()) {
        for (String layer : e.probes().layers()) {
          for (Sparsity sparsity : e.probes().sparsity()) {
            List<Optional<Cell>> probes = new ArrayList<>();
            for (int m = 0; m < bases.size(); m++) {
              Map<String, String> at = coords("member", m);
              at.putAll(probeCoords(concept, layer, sparsity));
              Optional<Cell> base = bases.get(m);
              probes.add(
                  base.flatMap(
                      bc ->
                          add(
                              Stages.PROBE,
                              at,
                              probeSettings(concept, layer, sparsity),
                              List.of(bc.id()))));
              probes.get(m).ifPresent(reportInputs::add);
            }
            if (bases.stream().anyMatch(Optional::isEmpty)
                || probes.stream().anyMatch(Optional::isEmpty)) {
              excluded++; // TRAK needs every ensemble member: no attribution without all probes
              continue;
            }
            List<String> inputs = new ArrayList<>();
            bases.forEach(c -> inputs.add(c.orElseThrow().id()));
            probes.forEach(c -> inputs.add(c.orElseThrow().id()));
            attributed.add(new Attributed(concept, layer, sparsity, List.copyOf(inputs)));
            for (String method : e.attribution().methods()) {
              Map<String, Object> s = new TreeMap<>();
              s.put("concept", conceptSettings(concept));
              s.put("layer", layer);
              s.put("sparsity", sparsity.label());
              s.put("attribution", attributionSettings(method));
              add(Stages.ATTRIBUTE, methodCoords(concept, layer, sparsity, method), s, inputs)
                  .ifPresent(
                      c -> {
                        attributeCells.put(key(concept, layer, sparsity, method), c);
                        reportInputs.add(c);
                      });
            }
          }
        }
      }
      if (e.evaluate().lds().enabled()) {
        addLds(attributed, attributeCells, reportInputs);
      }
      if (e.prune().layer().isPresent()) {
        String layer = e.prune().layer().get();
        for (String conceptName : e.prune().concepts()) {
          Concept concept = e.concepts().get(conceptName);
          for (Sparsity sparsity : e.prune().sparsity()) {
            for (String method : e.attribution().methods()) {
              Cell attribute = attributeCells.get(key(concept, layer, sparsity, method));
              if (attribute == null) {
                continue;
              }
              for (int k : e.prune().sizes()) {
                for (Arm arm : e.prune().arms()) {
                  Map<String, String> at = methodCoords(concept, layer, sparsity, method);
                  at.put("k", Integer.toString(k));
                  at.put("arm", word(arm));
                  Map<String, Object> s = new TreeMap<>();
                  s.put("k", k);
                  s.put("arm", word(arm));
                  Optional<Cell> pruneSet = add(Stages.PRUNE_SET, at, s, List.of(attribute.id()));
                  if (pruneSet.isEmpty()) {
                    continue;
                  }
                  reportInputs.add(pruneSet.get());
                  for (int m = 0; m < e.prune().retrainEnsemble(); m++) {
                    Map<String, String> rat = new LinkedHashMap<>(at);
                    rat.put("member", Integer.toString(m));
                    Optional<Cell> retrain =
                        add(Stages.RETRAIN, rat, baseSettings(), List.of(pruneSet.get().id()));
                    if (retrain.isEmpty()) {
                      continue;
                    }
                    add(
                            Stages.REPROBE,
                            rat,
                            probeSettings(concept, layer, sparsity),
                            List.of(retrain.get().id()))
                        .ifPresent(reportInputs::add);
                  }
                }
              }
            }
          }
        }
      }
      List<String> inputs = reportInputs.stream().map(Cell::id).toList();
      add(Stages.REPORT, new LinkedHashMap<>(), new TreeMap<>(), inputs);
    }

    /**
     * One attributed concept × layer × sparsity.
     *
     * @param ensemble the attribute cells' inputs: every base model, then their probes
     */
    private record Attributed(
        Concept concept, String layer, Sparsity sparsity, List<String> ensemble) {}

    /**
     * {@code evaluate.lds}: one subset model per subset (shared by every concept, layer and
     * method), one probe per subset model and attributed concept × layer × sparsity, and one {@code
     * lds} cell per attribute cell reading the attribution, the designated base model and probe
     * (which label the targets, as in the attribution) and every subset model and probe.
     */
    private void addLds(
        List<Attributed> attributed, Map<String, Cell> attributeCells, List<Cell> reportInputs) {
      Experiment.Lds lds = e.evaluate().lds();
      List<Optional<Cell>> subsetModels = new ArrayList<>();
      for (int j = 0; j < lds.subsets(); j++) {
        Map<String, Object> s = baseSettings();
        Map<String, Object> subset = new TreeMap<>();
        subset.put("fraction", lds.fraction());
        subset.put("subset", j);
        // Which images subset j holds depends on this seed and j only, never on N.
        subset.put("subset-seed", CellHash.seed(e.seed(), "lds-subsets", Map.of()));
        s.put("lds", subset);
        subsetModels.add(add(Stages.LDS_TRAIN, coords("subset", j), s, List.of()));
      }
      int designated = e.attribution().pseudoLabels();
      int members = e.training().ensemble();
      for (Attributed a : attributed) {
        List<String> models = new ArrayList<>();
        List<String> probes = new ArrayList<>();
        for (int j = 0; j < lds.subsets(); j++) {
          Map<String, String> at = coords("subset", j);
          at.putAll(probeCoords(a.concept(), a.layer(), a.sparsity()));
          Map<String, Object> s = probeSettings(a.concept(), a.layer(), a.sparsity());
          s.put("targets", word(e.attribution().targets()));
          Optional<Cell> model = subsetModels.get(j);
          Optional<Cell> probe = model.flatMap(m -> add(Stages.LDS_PROBE, at, s, List.of(m.id())));
          if (probe.isPresent()) {
            models.add(model.get().id());
            probes.add(probe.get().id());
          }
        }
        if (probes.size() < lds.subsets()) {
          excluded++; // the score needs every subset's margins
          continue;
        }
        for (String method : e.attribution().methods()) {
          Cell attribute = attributeCells.get(key(a.concept(), a.layer(), a.sparsity(), method));
          if (attribute == null) {
            continue;
          }
          List<String> inputs = new ArrayList<>();
          inputs.add(attribute.id());
          inputs.add(a.ensemble().get(designated));
          inputs.add(a.ensemble().get(members + designated));
          inputs.addAll(models);
          inputs.addAll(probes);
          Map<String, Object> s = new TreeMap<>();
          Map<String, Object> settings = new TreeMap<>();
          settings.put("subsets", lds.subsets());
          settings.put("fraction", lds.fraction());
          s.put("lds", settings);
          add(Stages.LDS, methodCoords(a.concept(), a.layer(), a.sparsity(), method), s, inputs)
              .ifPresent(reportInputs::add);
        }
      }
    }

    private static String key(Concept c, String layer, Sparsity s, String method) {
      return c.name() + "\u0000" + layer + "\u0000" + s.label() + "\u0000" + method;
    }

    /** The probe coordinates, plus {@code method} when the study compares several methods. */
    private Map<String, String> methodCoords(Concept c, String layer, Sparsity s, String method) {
      Map<String, String> m = probeCoords(c, layer, s);
      if (e.attribution().severalMethods()) {
        m.put("method", method);
      }
      return m;
    }

    private static Map<String, String> coords(String k, int v) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put(k, Integer.toString(v));
      return m;
    }

    private static Map<String, String> probeCoords(Concept c, String layer, Sparsity s) {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("concept", c.name());
      m.put("layer", layer);
      m.put("sparsity", s.label());
      return m;
    }

    /**
     * Adds a cell unless the filter excludes it; the seed is derived from the coordinates and
     * becomes part of the settings.
     */
    private Optional<Cell> add(
        String stage, Map<String, String> at, Map<String, Object> settings, List<String> inputs) {
      if (filter.isPresent() && filter.get().excludes(view(stage, at))) {
        excluded++;
        return Optional.empty();
      }
      Map<String, Object> s = new TreeMap<>(settings);
      long seed = CellHash.seed(e.seed(), stage, at);
      if (!stage.equals(Stages.REPORT)) {
        s.put("seed", seed);
      }
      String id = CellHash.id(stage, s, inputs);
      Cell cell = new Cell(id, stage, at, s, inputs, seed);
      if (ids.add(id)) {
        cells.add(cell);
      }
      return Optional.of(cell);
    }

    private static CellView view(String stage, Map<String, String> at) {
      String sparsity = at.get("sparsity");
      Integer k = sparsity == null || sparsity.equals("dense") ? null : Integer.valueOf(sparsity);
      return new CellView(
          stage,
          at.get("concept"),
          at.get("layer"),
          k,
          at.containsKey("k") ? Integer.valueOf(at.get("k")) : null,
          at.get("arm"),
          at.containsKey("member") ? Integer.valueOf(at.get("member")) : null);
    }

    // ------------------------------------------------------------ settings per stage

    private Map<String, Object> baseSettings() {
      Map<String, Object> s = new TreeMap<>();
      s.put("data", dataSettings());
      s.put("model", modelSettings());
      s.put("training", trainingSettings(e.training()));
      return s;
    }

    private Map<String, Object> dataSettings() {
      Map<String, Object> s = new TreeMap<>();
      s.put("source", e.data().source());
      s.put("classes", e.data().classes());
      s.put("image-size", e.data().imageSize());
      s.put("channels", e.data().channels());
      s.put("train", splitSettings(e.data().train()));
      s.put("val", splitSettings(e.data().val()));
      // The per-class subsets are sampled once per experiment seed, the same for every model.
      s.put("subset-seed", CellHash.seed(e.seed(), "data", Map.of()));
      return s;
    }

    private static Map<String, Object> splitSettings(Split split) {
      Map<String, Object> s = new TreeMap<>();
      s.put("path", split.path().map(Object::toString).orElse(null));
      s.put("per-class", split.perClass().isPresent() ? split.perClass().getAsInt() : null);
      s.put("fraction", split.fraction());
      return s;
    }

    private Map<String, Object> modelSettings() {
      Map<String, Object> s = new TreeMap<>();
      s.put("arch", e.model().arch());
      s.put("width", e.model().width());
      s.put("stem", word(e.model().stem()));
      return s;
    }

    /** Everything about training one model; the ensemble size is not here (it adds models). */
    private static Map<String, Object> trainingSettings(Training t) {
      Map<String, Object> s = new TreeMap<>();
      s.put("epochs", t.epochs());
      s.put("batch-size", t.batchSize());
      s.put("optimizer", optimizerSettings(t.optimizer()));
      Map<String, Object> schedule = new TreeMap<>();
      schedule.put("kind", word(t.schedule().kind()));
      schedule.put("peak-epoch", t.schedule().peakEpoch());
      schedule.put("start-factor", t.schedule().startFactor());
      schedule.put("step-every", t.schedule().stepEvery());
      schedule.put("step-factor", t.schedule().stepFactor());
      s.put("schedule", schedule);
      s.put("weight-decay", t.weightDecay());
      s.put("weight-decay-batchnorm", t.weightDecayBatchnorm());
      s.put("label-smoothing", t.labelSmoothing());
      Map<String, Object> aug = new TreeMap<>();
      aug.put("flip", t.augmentation().flip());
      aug.put("crop", word(t.augmentation().crop()));
      aug.put("crop-padding", t.augmentation().cropPadding());
      s.put("augmentation", aug);
      Map<String, Object> res = new TreeMap<>();
      res.put("enabled", t.progressiveResolution().enabled());
      if (t.progressiveResolution().enabled()) {
        res.put("min-size", t.progressiveResolution().minSize());
        res.put("max-size", t.progressiveResolution().maxSize());
        res.put("start-epoch", t.progressiveResolution().startEpoch());
        res.put("end-epoch", t.progressiveResolution().endEpoch());
      }
      s.put("progressive-resolution", res);
      boolean rampFromStartFactor =
          t.schedule().kind() == Experiment.ScheduleKind.TRIANGULAR && t.schedule().peakEpoch() > 0;
      if (rampFromStartFactor
          || t.augmentation().crop() == Experiment.Crop.RANDOM_RESIZED
          || t.progressiveResolution().enabled()) {
        s.put(REVISION_KEY, REVISION);
      }
      return s;
    }

    private static Map<String, Object> optimizerSettings(Optimizer o) {
      Map<String, Object> s = new TreeMap<>();
      s.put("name", word(o.name()));
      s.put("lr", o.lr());
      if (o.name() == Experiment.OptimizerName.SGD) {
        s.put("momentum", o.momentum());
        s.put("nesterov", o.nesterov());
      }
      return s;
    }

    private Map<String, Object> probeSettings(Concept concept, String layer, Sparsity sparsity) {
      Map<String, Object> s = new TreeMap<>();
      s.put("concept", conceptSettings(concept));
      s.put("layer", layer);
      s.put("sparsity", sparsity.label());
      Map<String, Object> p = new TreeMap<>();
      p.put("epochs", e.probes().epochsFor(concept));
      p.put("batch-size", e.probes().batchSize());
      p.put("optimizer", optimizerSettings(e.probes().optimizer()));
      p.put("weight-decay", e.probes().weightDecay());
      p.put("augmentation", e.probes().augmentation());
      p.put("activations", word(e.probes().activations()));
      if (e.probes().augmentation()
          || e.probes().optimizer().name() == Experiment.OptimizerName.SGD) {
        p.put(REVISION_KEY, REVISION);
      }
      s.put("probes", p);
      return s;
    }

    /** What defines a concept's example sets (its name only through the seed). */
    private Map<String, Object> conceptSettings(Concept c) {
      Map<String, Object> s = new TreeMap<>();
      s.put("kind", word(c.kind()));
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
          if (c.testPositives().isPresent()) {
            // Before revision 2 the test folder was ignored (test positives held out of positives).
            s.put(REVISION_KEY, REVISION);
          }
        }
        case RELATIVE -> {
          s.put("a", conceptSettings(e.concepts().get(c.a().orElseThrow())));
          s.put("b", conceptSettings(e.concepts().get(c.b().orElseThrow())));
        }
      }
      s.put("max-positives", c.maxPositives().isPresent() ? c.maxPositives().getAsInt() : null);
      // Negatives are sampled with a seed of their own, the same for every model and layer.
      s.put("sample-seed", CellHash.seed(e.seed(), "concept", Map.of("concept", c.name())));
      return s;
    }

    private Map<String, Object> attributionSettings(String method) {
      Map<String, Object> s = new TreeMap<>();
      var a = e.attribution();
      s.put("method", method);
      s.put("projection-dim", a.projectionDim());
      s.put("projections", a.projections());
      s.put("projection", word(a.projection()));
      s.put("lambda", a.lambda());
      s.put("targets", word(a.targets()));
      s.put("target-labels", word(a.targetLabels()));
      s.put("pseudo-labels", a.pseudoLabels());
      s.put("parameter-groups", a.parameterGroups());
      s.put("kernel-mode", word(a.kernelMode()));
      return s;
    }

    private static String word(Enum<?> v) {
      return v.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
