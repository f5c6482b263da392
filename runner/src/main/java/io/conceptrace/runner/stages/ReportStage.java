package io.conceptrace.runner.stages;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.core.concept.ConceptSpec;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.stats.PermutationTest;
import io.conceptrace.core.stats.SampleSummary;
import io.conceptrace.core.stats.TestResult;
import io.conceptrace.core.stats.WelchTest;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.mlflow.GitState;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.runner.report.StudySummary;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code report}: the study's numbers from every probe, attribution, prune set and re-probe cell:
 * probe accuracy mean ± std over the ensemble per concept × layer × sparsity with the top
 * attributed ids, and each prune arm's re-probe accuracies against the unpruned baseline's with
 * Welch's t-test and a permutation test. Writes {@code summary.json}, {@code probes.csv} and {@code
 * prune-arms.csv}, the figures and {@code report/index.html}; the end-of-run table is rendered from
 * {@code summary.json}, so a cached rerun prints the same table.
 */
public final class ReportStage implements StageRunner {
  private final Optional<Path> experimentFile;
  private final Optional<Supplier<ImageDataset>> trainingSet;
  private final BiFunction<String, List<StoredCell>, Optional<ConceptSpec>> concepts;

  /** A report without the experiment file's text and without image grids. */
  public ReportStage() {
    this(Optional.empty(), Optional.empty(), (name, conceptCells) -> Optional.empty());
  }

  /**
   * A report whose HTML page shows the experiment file and grids of the top and bottom attributed
   * training images (opened only when the report runs), the concept's positives marked.
   *
   * @param concepts a concept's definition by name (and, for an activation concept, the report's
   *     {@code concept} inputs that hold its scores), which tells the grids which training images
   *     are its positives (empty: not marked)
   */
  public ReportStage(
      Optional<Path> experimentFile,
      Optional<Supplier<ImageDataset>> trainingSet,
      BiFunction<String, List<StoredCell>, Optional<ConceptSpec>> concepts) {
    this.experimentFile = experimentFile;
    this.trainingSet = trainingSet;
    this.concepts = concepts;
  }

  static final int TOP_IDS = 5;
  static final int PERMUTATIONS = 10_000;
  private static final List<String> PROBE_KEY = List.of("concept", "layer", "sparsity");
  private static final List<String> ARM_KEY = List.of("concept", "layer", "sparsity", "k", "arm");

  /** Present on attribute and prune cells only when the study compares several methods. */
  private static final String METHOD = "method";

  /** The classifier's validation top-1 metric (train-base and retrain cells). */
  private static final String VAL_TOP1 = "val.top1";

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Probe accuracies of one concept × layer × sparsity, and the attribution's top ids. */
  record ProbeStat(Map<String, String> key, double[] accuracies, List<String> topIds) {}

  /** One prune arm against the unpruned baseline. */
  record ArmStat(
      Map<String, String> key,
      double[] baseline,
      double[] pruned,
      double excludedScoreMean,
      TestResult welch,
      TestResult permutation) {}

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    List<ProbeStat> probes = probeStats(ctx.inputs());
    List<ArmStat> arms = armStats(ctx.inputs(), probes, ctx.seed());
    StudySummary summary = summary(probes, arms, attributions(ctx.inputs()), models(ctx.inputs()));
    List<SummaryRow> rows = summary.rows();
    JSON.writeValue(ctx.file(StageFiles.SUMMARY).toFile(), summary);
    // The numbers also as the report cell's metrics, so that MLflow shows them on its run (and,
    // copied by the tracking, on the invocation's parent run).
    summary.metrics().forEach((name, value) -> ctx.metric(name, 0, value));
    Files.writeString(ctx.file(StageFiles.PROBES_CSV), probesCsv(probes));
    Files.writeString(ctx.file(StageFiles.PRUNE_ARMS_CSV), armsCsv(arms));
    Path dir = ctx.file(StudyFigures.DIR + "/index.html").getParent();
    StudyFigures.write(
        dir,
        ctx.experiment(),
        experimentFile,
        probes,
        arms,
        ctx.inputs(),
        rows,
        trainingSet.map(Supplier::get),
        name -> concepts.apply(name, ctx.inputs(Stages.CONCEPT)),
        provenance(ctx));
    return ctx.commit();
  }

  /** What the report page says produced it: the experiment file's commit, the date, versions. */
  private Map<String, String> provenance(CellContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("experiment", ctx.experiment());
    experimentFile.ifPresent(
        f -> {
          out.put("experiment file", f.toString());
          GitState git = GitState.of(f);
          if (git.known()) {
            out.put("git commit", git.commit() + (git.fileModified() ? " (file modified)" : ""));
          }
        });
    out.put("report written", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    out.put("report cell", ctx.cell().id());
    new TreeMap<>(ctx.provenance()).forEach(out::put);
    return out;
  }

  @Override
  public List<SummaryRow> summarize(List<StoredCell> cells) {
    List<SummaryRow> out = new ArrayList<>();
    for (StoredCell c : cells) {
      Path file = c.artifact(StageFiles.SUMMARY);
      try {
        JsonNode json = JSON.readTree(file.toFile());
        if (json.isArray()) {
          // A report cell stored before summary.json held numbers: its rows are already formatted.
          out.addAll(JSON.convertValue(json, new TypeReference<List<SummaryRow>>() {}));
        } else {
          out.addAll(JSON.treeToValue(json, StudySummary.class).rows());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return out;
  }

  static List<ProbeStat> probeStats(List<StoredCell> inputs) {
    Map<Map<String, String>, List<Double>> acc = new LinkedHashMap<>();
    Map<Map<String, String>, List<String>> top = new LinkedHashMap<>();
    for (StoredCell c : inputs) {
      String stage = c.record().stage();
      if (stage.equals(Stages.PROBE)) {
        acc.computeIfAbsent(key(c, PROBE_KEY), k -> new ArrayList<>()).add(accuracy(c));
      } else if (stage.equals(Stages.ATTRIBUTE)
          && List.of("trak", "").contains(c.record().coordinates().getOrDefault(METHOD, ""))) {
        // the probe rows show TRAK's top ids (or the only method's)
        List<RankingFile.Entry> ranking = RankingFile.read(c.artifact(StageFiles.RANKING));
        top.put(
            key(c, PROBE_KEY),
            ranking.subList(0, Math.min(TOP_IDS, ranking.size())).stream()
                .map(RankingFile.Entry::id)
                .toList());
      }
    }
    List<ProbeStat> out = new ArrayList<>();
    acc.forEach(
        (k, v) ->
            out.add(
                new ProbeStat(
                    k,
                    v.stream().mapToDouble(Double::doubleValue).toArray(),
                    top.getOrDefault(k, List.of()))));
    return out;
  }

  static List<ArmStat> armStats(List<StoredCell> inputs, List<ProbeStat> probes, long seed) {
    Map<Map<String, String>, double[]> baseline = new LinkedHashMap<>();
    probes.forEach(p -> baseline.put(p.key(), p.accuracies()));
    Map<Map<String, String>, List<Double>> pruned = new LinkedHashMap<>();
    Map<Map<String, String>, Double> excludedScore = new LinkedHashMap<>();
    for (StoredCell c : inputs) {
      String stage = c.record().stage();
      if (stage.equals(Stages.REPROBE)) {
        pruned.computeIfAbsent(armKey(c), k -> new ArrayList<>()).add(accuracy(c));
      } else if (stage.equals(Stages.PRUNE_SET)) {
        excludedScore.put(armKey(c), lastValue(c, "excluded.score.mean"));
      }
    }
    List<ArmStat> out = new ArrayList<>();
    for (var e : pruned.entrySet()) {
      Map<String, String> probeKey = new LinkedHashMap<>();
      PROBE_KEY.forEach(k -> probeKey.put(k, e.getKey().get(k)));
      double[] base = baseline.getOrDefault(probeKey, new double[0]);
      double[] arm = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
      TestResult welch = base.length >= 2 && arm.length >= 2 ? WelchTest.test(arm, base) : null;
      TestResult perm =
          base.length >= 1 && arm.length >= 1
              ? PermutationTest.test(arm, base, PERMUTATIONS, seed)
              : null;
      out.add(
          new ArmStat(
              e.getKey(),
              base,
              arm,
              excludedScore.getOrDefault(e.getKey(), Double.NaN),
              welch,
              perm));
    }
    return out;
  }

  static StudySummary summary(
      List<ProbeStat> probes, List<ArmStat> arms, List<StudySummary.Attribution> attributions) {
    return summary(probes, arms, attributions, List.of());
  }

  static StudySummary summary(
      List<ProbeStat> probes,
      List<ArmStat> arms,
      List<StudySummary.Attribution> attributions,
      List<StudySummary.Model> models) {
    List<StudySummary.Probe> ps = new ArrayList<>();
    for (ProbeStat p : probes) {
      SampleSummary s = SampleSummary.of(p.accuracies());
      ps.add(
          new StudySummary.Probe(
              p.key().get("concept"),
              p.key().get("layer"),
              p.key().get("sparsity"),
              s.n(),
              s.mean(),
              s.std(),
              Arrays.stream(p.accuracies()).boxed().toList(),
              p.topIds()));
    }
    List<StudySummary.PruneArm> as = new ArrayList<>();
    for (ArmStat a : arms) {
      SampleSummary pruned = SampleSummary.of(a.pruned());
      SampleSummary base = a.baseline().length == 0 ? null : SampleSummary.of(a.baseline());
      as.add(
          new StudySummary.PruneArm(
              a.key().get("concept"),
              a.key().get("layer"),
              a.key().get("sparsity"),
              Integer.parseInt(a.key().get("k")),
              a.key().get("arm"),
              a.baseline().length,
              base == null ? null : base.mean(),
              base == null ? null : base.std(),
              pruned.n(),
              pruned.mean(),
              pruned.std(),
              base == null ? null : pruned.mean() - base.mean(),
              a.welch() == null ? null : a.welch().statistic(),
              a.welch() == null ? null : a.welch().degreesOfFreedom(),
              a.welch() == null ? null : a.welch().pValue(),
              a.permutation() == null ? null : a.permutation().pValue(),
              Double.isNaN(a.excludedScoreMean()) ? null : a.excludedScoreMean(),
              a.key().get(METHOD)));
    }
    return new StudySummary(ps, as, attributions, models);
  }

  /**
   * The classifiers' final validation top-1: the base ensemble (read by the probe cells) and each
   * arm's retrained ensemble (read by the re-probe cells). The report's inputs are the probe and
   * re-probe cells; the models are found by the ids those record, in the same run store (their ids
   * are hashed into the inputs' ids, so the report's id covers them). Models not in the store (a
   * partial store) are left out.
   */
  static List<StudySummary.Model> models(List<StoredCell> inputs) {
    List<StudySummary.Model> out = new ArrayList<>();
    // The base ensemble, trained or imported (model.checkpoints): the same row either way.
    List<StoredCell> base = new ArrayList<>(upstream(inputs, Stages.PROBE, Stages.TRAIN_BASE));
    base.addAll(upstream(inputs, Stages.PROBE, Stages.IMPORT_BASE));
    if (!base.isEmpty()) {
      double[] acc = base.stream().mapToDouble(c -> lastValue(c, VAL_TOP1)).toArray();
      SampleSummary s = SampleSummary.of(acc);
      out.add(
          new StudySummary.Model(
              Stages.TRAIN_BASE,
              null,
              null,
              null,
              null,
              null,
              null,
              s.n(),
              s.mean(),
              s.std(),
              Arrays.stream(acc).boxed().toList()));
    }
    Map<Map<String, String>, List<Double>> byArm = new LinkedHashMap<>();
    for (StoredCell c : upstream(inputs, Stages.REPROBE, Stages.RETRAIN)) {
      byArm.computeIfAbsent(armKey(c), k -> new ArrayList<>()).add(lastValue(c, VAL_TOP1));
    }
    byArm.forEach(
        (k, values) -> {
          double[] acc = values.stream().mapToDouble(Double::doubleValue).toArray();
          SampleSummary s = SampleSummary.of(acc);
          out.add(
              new StudySummary.Model(
                  Stages.RETRAIN,
                  k.get("concept"),
                  k.get("layer"),
                  k.get("sparsity"),
                  Integer.parseInt(k.get("k")),
                  k.get("arm"),
                  k.get(METHOD),
                  s.n(),
                  s.mean(),
                  s.std(),
                  values));
        });
    return out;
  }

  /** The {@code stage} cells that the {@code reader} cells among {@code inputs} read, once each. */
  private static List<StoredCell> upstream(List<StoredCell> inputs, String reader, String stage) {
    Map<String, StoredCell> out = new LinkedHashMap<>();
    for (StoredCell c : inputs) {
      if (!c.record().stage().equals(reader)) {
        continue;
      }
      // A stored cell lives at ROOT/EXPERIMENT/STAGE/ID (RunStore.cellDirectory).
      RunStore store = new RunStore(c.directory().getParent().getParent().getParent());
      for (String id : c.record().inputs()) {
        if (!out.containsKey(id)) {
          store.find(c.record().experiment(), stage, id).ifPresent(x -> out.put(id, x));
        }
      }
    }
    return List.copyOf(out.values());
  }

  /**
   * One entry per attribute cell: its stability figures and, where known, the planted-concept
   * enrichment (from the cell's metrics; cells that predate them are skipped).
   */
  static List<StudySummary.Attribution> attributions(List<StoredCell> inputs) {
    List<StudySummary.Attribution> out = new ArrayList<>();
    // An lds cell has its attribute cell's coordinates.
    Map<Map<String, String>, Map<String, Double>> ldsByPlace = new LinkedHashMap<>();
    for (StoredCell c : inputs) {
      if (c.record().stage().equals(Stages.LDS)) {
        Map<String, Double> last = new LinkedHashMap<>();
        c.metrics().forEach(m -> last.put(m.name(), m.value()));
        ldsByPlace.put(c.record().coordinates(), last);
      }
    }
    for (StoredCell c : inputs) {
      if (!c.record().stage().equals(Stages.ATTRIBUTE)) {
        continue;
      }
      Map<String, Double> last = new LinkedHashMap<>();
      c.metrics().forEach(m -> last.put(m.name(), m.value()));
      if (!last.containsKey(StageFiles.SEED_SPEARMAN)) {
        continue;
      }
      Map<String, String> key = key(c, PROBE_KEY);
      Map<String, Double> lds = ldsByPlace.getOrDefault(c.record().coordinates(), Map.of());
      out.add(
          new StudySummary.Attribution(
              key.get("concept"),
              key.get("layer"),
              key.get("sparsity"),
              c.record().coordinates().get(METHOD),
              last.get(StageFiles.SEED_SPEARMAN),
              last.get(StageFiles.SEED_TOP100),
              last.get(StageFiles.SPLIT_HALF_SPEARMAN),
              last.get(StageFiles.ENRICHMENT_TOP100),
              lds.get(StageFiles.LDS_METRIC),
              lds.get(StageFiles.LDS_CI_LOW),
              lds.get(StageFiles.LDS_CI_HIGH)));
    }
    return out;
  }

  /** The arm's key, with the method when the study compares several. */
  private static Map<String, String> armKey(StoredCell c) {
    Map<String, String> k = key(c, ARM_KEY);
    String method = c.record().coordinates().get(METHOD);
    if (method != null) {
      k.put(METHOD, method);
    }
    return k;
  }

  private static String probesCsv(List<ProbeStat> probes) {
    StringBuilder b = new StringBuilder("concept,layer,sparsity,n,mean,std,top_ids\n");
    for (ProbeStat p : probes) {
      SampleSummary s = SampleSummary.of(p.accuracies());
      b.append(keyCsv(p.key(), PROBE_KEY))
          .append(String.format(Locale.ROOT, ",%d,%.6f,%.6f,", s.n(), s.mean(), s.std()))
          .append(RankingFile.csv(String.join(" ", p.topIds())))
          .append('\n');
    }
    return b.toString();
  }

  private static String armsCsv(List<ArmStat> arms) {
    StringBuilder b =
        new StringBuilder(
            "concept,layer,sparsity,k,arm,n_baseline,baseline_mean,baseline_std,n,mean,std,"
                + "welch_t,welch_df,welch_p,permutation_p,excluded_score_mean,method\n");
    for (ArmStat a : arms) {
      b.append(keyCsv(a.key(), ARM_KEY)).append(',').append(stats(a.baseline())).append(',');
      b.append(stats(a.pruned())).append(',');
      b.append(
          a.welch() == null
              ? ",,"
              : String.format(
                  Locale.ROOT,
                  "%.6f,%.6f,%.6g",
                  a.welch().statistic(),
                  a.welch().degreesOfFreedom(),
                  a.welch().pValue()));
      b.append(',')
          .append(
              a.permutation() == null
                  ? ""
                  : String.format(Locale.ROOT, "%.6g", a.permutation().pValue()));
      b.append(',').append(String.format(Locale.ROOT, "%.6g", a.excludedScoreMean()));
      b.append(',').append(a.key().getOrDefault(METHOD, ""));
      b.append('\n');
    }
    return b.toString();
  }

  private static String stats(double[] v) {
    if (v.length == 0) {
      return "0,,";
    }
    SampleSummary s = SampleSummary.of(v);
    return String.format(Locale.ROOT, "%d,%.6f,%.6f", s.n(), s.mean(), s.std());
  }

  private static String keyCsv(Map<String, String> key, List<String> names) {
    return names.stream().map(n -> RankingFile.csv(key.get(n))).collect(Collectors.joining(","));
  }

  private static Map<String, String> key(StoredCell c, List<String> names) {
    Map<String, String> k = new LinkedHashMap<>();
    for (String n : names) {
      String v = c.record().coordinates().get(n);
      if (v == null) {
        throw new CellFailedException(
            c.record().stage() + " cell " + c.record().cellId() + " has no coordinate " + n);
      }
      k.put(n, v);
    }
    return k;
  }

  private static double accuracy(StoredCell c) {
    return lastValue(c, StageFiles.PROBE_ACCURACY);
  }

  /** The last value a cell recorded for a metric (the final epoch's). */
  static double lastValue(StoredCell c, String metric) {
    List<Metric> ms = c.metrics().stream().filter(m -> m.name().equals(metric)).toList();
    if (ms.isEmpty()) {
      throw new CellFailedException(
          c.record().stage() + " cell " + c.record().cellId() + " recorded no " + metric);
    }
    return ms.get(ms.size() - 1).value();
  }
}
