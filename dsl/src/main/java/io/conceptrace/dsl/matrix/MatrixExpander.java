package io.conceptrace.dsl.matrix;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.Experiment.Arm;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.cell.AttributeCellSpec;
import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.cell.ReportCellSpec;
import io.conceptrace.dsl.script.KotlinScriptHost;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * Expands an {@link Experiment} into its {@link RunMatrix}.
 *
 * <p>Each cell gets a typed spec ({@link CellSpecs}) holding exactly what its stage computes with,
 * so that e.g. probe settings never reach a base model's hash, and a new layer adds cells without
 * touching existing ones. The {@code report} cell reads every result, so its id changes whenever
 * the matrix does.
 */
public final class MatrixExpander {
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
    for (Concept c : e.concepts().values()) {
      c.activation()
          .map(Experiment.Activation::reference)
          .filter(
              r ->
                  r instanceof Experiment.Reference.TorchScript t && t.sha256().isEmpty()
                      || r instanceof Experiment.Reference.Checkpoint k && k.sha256().isEmpty())
          .ifPresent(
              r ->
                  notes.add(
                      "concepts."
                          + c.name()
                          + (r instanceof Experiment.Reference.TorchScript t
                              ? ".reference.torchscript: " + t.file()
                              : ".reference.checkpoint: "
                                  + ((Experiment.Reference.Checkpoint) r).file())
                          + " is not there, so its content hash is not in the concept cells' ids"
                          + " yet; ctrace run needs the file"));
    }
    b.build();
    return new RunMatrix(e.name(), b.cells, notes, b.excluded);
  }

  private static final class Builder {
    private final Experiment e;
    private final CellSpecs specs;
    private final List<Cell> cells = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private final Map<String, Cell> conceptCells = new LinkedHashMap<>();
    private Optional<KotlinScriptHost.CellFilter> filter = Optional.empty();
    private int excluded;

    Builder(Experiment e) {
      this.e = e;
      this.specs = new CellSpecs(e);
    }

    void build() {
      List<Optional<Cell>> bases = new ArrayList<>();
      for (int m = 0; m < e.training().ensemble(); m++) {
        Map<String, String> at = coords("member", m);
        int member = m;
        bases.add(
            e.model().imported()
                ? add(Stages.IMPORT_BASE, at, seed -> specs.importBase(member, seed), List.of())
                : add(Stages.TRAIN_BASE, at, specs::train, List.of()));
      }
      List<Cell> reportInputs = new ArrayList<>();
      addConceptCells(bases, reportInputs);
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
                          addReading(
                              concept,
                              Stages.PROBE,
                              at,
                              seed -> specs.probe(concept, layer, sparsity, seed),
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
              addReading(
                      concept,
                      Stages.ATTRIBUTE,
                      methodCoords(concept, layer, sparsity, method),
                      seed -> specs.attribute(concept, layer, method, seed),
                      inputs)
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
                  Optional<Cell> pruneSet =
                      add(
                          Stages.PRUNE_SET,
                          at,
                          seed -> specs.pruneSet(k, arm, seed),
                          List.of(attribute.id()));
                  if (pruneSet.isEmpty()) {
                    continue;
                  }
                  reportInputs.add(pruneSet.get());
                  for (int m = 0; m < e.prune().retrainEnsemble(); m++) {
                    Map<String, String> rat = new LinkedHashMap<>(at);
                    rat.put("member", Integer.toString(m));
                    Optional<Cell> retrain =
                        add(Stages.RETRAIN, rat, specs::train, List.of(pruneSet.get().id()));
                    if (retrain.isEmpty()) {
                      continue;
                    }
                    addReading(
                            concept,
                            Stages.REPROBE,
                            rat,
                            seed -> specs.probe(concept, layer, sparsity, seed),
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
      add(Stages.REPORT, new LinkedHashMap<>(), ReportCellSpec::new, inputs);
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
        int index = j;
        subsetModels.add(
            add(
                Stages.LDS_TRAIN,
                coords("subset", j),
                seed -> specs.ldsTrain(index, seed),
                List.of()));
      }
      int designated = e.attribution().pseudoLabels();
      int members = e.training().ensemble();
      for (Attributed a : attributed) {
        List<String> models = new ArrayList<>();
        List<String> probes = new ArrayList<>();
        for (int j = 0; j < lds.subsets(); j++) {
          Map<String, String> at = coords("subset", j);
          at.putAll(probeCoords(a.concept(), a.layer(), a.sparsity()));
          Optional<Cell> model = subsetModels.get(j);
          Optional<Cell> probe =
              model.flatMap(
                  m ->
                      addReading(
                          a.concept(),
                          Stages.LDS_PROBE,
                          at,
                          seed -> specs.ldsProbe(a.concept(), a.layer(), a.sparsity(), seed),
                          List.of(m.id())));
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
          AttributeCellSpec scored = (AttributeCellSpec) attribute.spec();
          addReading(
                  a.concept(),
                  Stages.LDS,
                  methodCoords(a.concept(), a.layer(), a.sparsity(), method),
                  seed -> specs.lds(scored, seed),
                  inputs)
              .ifPresent(reportInputs::add);
        }
      }
    }

    /**
     * One {@code concept} cell per activation concept, reading its reference base model (none for a
     * TorchScript reference); a concept whose base model the filter excluded has none, and nor do
     * the cells that would read it.
     */
    private void addConceptCells(List<Optional<Cell>> bases, List<Cell> reportInputs) {
      for (Concept c : e.concepts().values()) {
        if (c.activation().isEmpty()) {
          continue;
        }
        Map<String, String> at = new LinkedHashMap<>();
        at.put("concept", c.name());
        List<String> inputs = List.of();
        if (c.activation().get().reference() instanceof Experiment.Reference.BaseModel b) {
          // No member coordinate: which base model it reads is part of the definition (and of
          // the id through the input), so changing the reference replaces the cell in place.
          Optional<Cell> base = bases.get(b.member());
          if (base.isEmpty()) {
            excluded++;
            continue;
          }
          inputs = List.of(base.get().id());
        }
        add(Stages.CONCEPT, at, seed -> specs.conceptCell(c, seed), inputs)
            .ifPresent(
                cell -> {
                  conceptCells.put(c.name(), cell);
                  reportInputs.add(cell);
                });
      }
    }

    /**
     * The {@code concept} cells a cell of concept {@code c} reads: its own (activation), its sides'
     * (relative), none for the other kinds; empty when one of them is not in the matrix.
     */
    private Optional<List<String>> conceptInputs(Concept c) {
      List<Concept> parts =
          c.kind() == Experiment.ConceptKind.RELATIVE
              ? List.of(
                  e.concepts().get(c.a().orElseThrow()), e.concepts().get(c.b().orElseThrow()))
              : List.of(c);
      List<String> out = new ArrayList<>();
      for (Concept part : parts) {
        if (part.activation().isPresent()) {
          Cell cell = conceptCells.get(part.name());
          if (cell == null) {
            return Optional.empty();
          }
          out.add(cell.id());
        }
      }
      return Optional.of(out);
    }

    /** {@link #add}, with the concept cells of {@code concept} appended to the inputs. */
    private Optional<Cell> addReading(
        Concept concept,
        String stage,
        Map<String, String> at,
        LongFunction<? extends CellSpec> spec,
        List<String> inputs) {
      Optional<List<String>> concepts = conceptInputs(concept);
      if (concepts.isEmpty()) {
        excluded++; // its concept cell is not in the matrix
        return Optional.empty();
      }
      List<String> all = new ArrayList<>(inputs);
      all.addAll(concepts.get());
      return add(stage, at, spec, all);
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
     * Adds a cell unless the filter excludes it; its spec gets the seed derived from the
     * coordinates.
     */
    private Optional<Cell> add(
        String stage,
        Map<String, String> at,
        LongFunction<? extends CellSpec> spec,
        List<String> inputs) {
      if (filter.isPresent() && filter.get().excludes(view(stage, at))) {
        excluded++;
        return Optional.empty();
      }
      Cell cell = Cell.of(stage, at, spec.apply(CellHash.seed(e.seed(), stage, at)), inputs);
      String id = cell.id();
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

    private static String word(Enum<?> v) {
      return v.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
