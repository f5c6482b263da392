package io.conceptrace.runner.report;

import io.conceptrace.runner.exec.SummaryRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The study's results as numbers: the content of the report cell's {@code summary.json} (schema:
 * {@code docs/summary.schema.json}), the source of the report cell's MLflow metrics and of the
 * end-of-run table. Missing values (a test that needs two samples, a baseline that does not exist)
 * are {@code null}, never formatted strings.
 *
 * <p>To add a figure, add a list of records here, a loop in {@link #metrics()} and one in {@link
 * #rows()}, and the property to the schema.
 *
 * @param schema {@value #SCHEMA}
 * @param probes probe accuracy per concept × layer × sparsity over the ensemble
 * @param pruneArms each prune arm × size against the unpruned baseline
 * @param attributions each attribute cell's stability and planted-concept enrichment
 * @param models the classifiers' own validation accuracy: the base ensemble, and each prune arm's
 *     retrained ensemble
 */
public record StudySummary(
    String schema,
    List<Probe> probes,
    List<PruneArm> pruneArms,
    List<Attribution> attributions,
    List<Model> models) {
  /** The version of the {@code summary.json} layout; bump on incompatible changes. */
  public static final String SCHEMA = "ctrace-summary/2";

  static final String PROBES = "probes";
  static final String PRUNE = "prune arms";
  static final String ATTRIBUTIONS = "attributions";
  static final String MODELS = "models";

  public StudySummary {
    Objects.requireNonNull(schema, "schema");
    probes = List.copyOf(probes);
    pruneArms = List.copyOf(pruneArms);
    // A summary.json written before attributions were summarised has none.
    attributions = attributions == null ? List.of() : List.copyOf(attributions);
    // Likewise models, before the classifiers' accuracy was summarised.
    models = models == null ? List.of() : List.copyOf(models);
  }

  public StudySummary(
      List<Probe> probes, List<PruneArm> pruneArms, List<Attribution> attributions) {
    this(SCHEMA, probes, pruneArms, attributions, List.of());
  }

  public StudySummary(
      List<Probe> probes,
      List<PruneArm> pruneArms,
      List<Attribution> attributions,
      List<Model> models) {
    this(SCHEMA, probes, pruneArms, attributions, models);
  }

  /**
   * Validation accuracy of one concept × layer × sparsity's probes.
   *
   * @param accuracies one per ensemble member, in member order
   * @param topIds the attribution's highest-scored training ids (empty without attribution)
   */
  public record Probe(
      String concept,
      String layer,
      String sparsity,
      int n,
      double accMean,
      double accStd,
      List<Double> accuracies,
      List<String> topIds) {
    public Probe {
      accuracies = List.copyOf(accuracies);
      topIds = List.copyOf(topIds);
    }
  }

  /**
   * One prune arm at one size: re-probed accuracy of the retrained ensemble against the unpruned
   * baseline's.
   *
   * @param k how many training images the arm removed
   * @param arm {@code top}, {@code random} or {@code bottom}
   * @param baselineMean the unpruned probes' mean; {@code null} without a baseline
   * @param delta {@code accMean - baselineMean}; {@code null} without a baseline
   * @param welchT Welch's t; {@code null} unless both samples have two or more values
   * @param permutationP two-sided permutation-test p; {@code null} without a baseline
   * @param excludedScoreMean the mean Eq. (1) score of the removed images
   * @param method the attribution method that ranked the images; {@code null} when the study uses
   *     one
   */
  public record PruneArm(
      String concept,
      String layer,
      String sparsity,
      int k,
      String arm,
      int nBaseline,
      Double baselineMean,
      Double baselineStd,
      int n,
      double accMean,
      double accStd,
      Double delta,
      Double welchT,
      Double welchDf,
      Double welchP,
      Double permutationP,
      Double excludedScoreMean,
      String method) {}

  /**
   * How reproducible one attribute cell's importance ranking is, and whether it finds the images
   * known to carry the concept (generated data).
   *
   * @param method {@code null} when the study uses one method
   * @param seedSpearman Spearman correlation with the importance from an independent projection
   * @param seedTop100 overlap of the two rankings' top 100
   * @param splitHalfSpearman correlation between the ensemble's two halves
   * @param enrichmentTop100 concept carriers among the top 100 over their base rate; {@code null}
   *     where unknown
   * @param lds the linear datamodeling score against {@code evaluate.lds}'s subset models; {@code
   *     null} without them
   * @param ldsCiLow lower end of its bootstrap 95 % interval over targets ({@code null} likewise)
   * @param ldsCiHigh upper end
   */
  public record Attribution(
      String concept,
      String layer,
      String sparsity,
      String method,
      Double seedSpearman,
      Double seedTop100,
      Double splitHalfSpearman,
      Double enrichmentTop100,
      Double lds,
      Double ldsCiLow,
      Double ldsCiHigh) {}

  /**
   * The validation top-1 accuracy of an ensemble of classifiers: the base models ({@code stage}
   * {@code train-base}, no arm), or the models one prune arm retrained ({@code retrain}).
   *
   * @param stage {@code train-base} or {@code retrain}
   * @param concept the pruned concept; {@code null} for the base models (likewise {@code layer},
   *     {@code sparsity}, {@code k}, {@code arm})
   * @param method the attribution method; {@code null} when the study uses one, and for base models
   * @param accuracies one per member, in member order
   */
  public record Model(
      String stage,
      String concept,
      String layer,
      String sparsity,
      Integer k,
      String arm,
      String method,
      int n,
      double accMean,
      double accStd,
      List<Double> accuracies) {
    public Model {
      Objects.requireNonNull(stage, "stage");
      accuracies = List.copyOf(accuracies);
    }
  }

  /**
   * The numbers as MLflow metrics, named so that MLflow's chart view and metric filters take them
   * without backticks: dot-separated words of letters, digits and underscores, e.g. {@code
   * probe.wavy.layer3.dense.acc_mean}, {@code probe.high_low.layer2.sparse16.acc_std}, {@code
   * prune.wavy.layer3.dense.top.k100.welch_p}. Missing values are left out.
   */
  public Map<String, Double> metrics() {
    Map<String, Double> out = new LinkedHashMap<>();
    for (Probe p : probes) {
      String at = name("probe", p.concept(), p.layer(), sparsity(p.sparsity()));
      out.put(at + ".acc_mean", p.accMean());
      out.put(at + ".acc_std", p.accStd());
      out.put(at + ".n", (double) p.n());
    }
    for (PruneArm a : pruneArms) {
      String at =
          a.method() == null
              ? name("prune", a.concept(), a.layer(), sparsity(a.sparsity()), a.arm(), "k" + a.k())
              : name(
                  "prune",
                  a.concept(),
                  a.layer(),
                  sparsity(a.sparsity()),
                  a.method(),
                  a.arm(),
                  "k" + a.k());
      out.put(at + ".acc_mean", a.accMean());
      out.put(at + ".acc_std", a.accStd());
      out.put(at + ".n", (double) a.n());
      putIfKnown(out, at + ".delta", a.delta());
      putIfKnown(out, at + ".welch_p", a.welchP());
      putIfKnown(out, at + ".perm_p", a.permutationP());
    }
    for (Attribution a : attributions) {
      String at =
          a.method() == null
              ? name("attribution", a.concept(), a.layer(), sparsity(a.sparsity()))
              : name("attribution", a.concept(), a.layer(), sparsity(a.sparsity()), a.method());
      putIfKnown(out, at + ".seed_spearman", a.seedSpearman());
      putIfKnown(out, at + ".seed_top100", a.seedTop100());
      putIfKnown(out, at + ".split_half_spearman", a.splitHalfSpearman());
      putIfKnown(out, at + ".enrichment_top100", a.enrichmentTop100());
      putIfKnown(out, at + ".lds", a.lds());
      putIfKnown(out, at + ".lds_ci_low", a.ldsCiLow());
      putIfKnown(out, at + ".lds_ci_high", a.ldsCiHigh());
    }
    for (Model m : models) {
      String at = modelName(m);
      out.put(at + ".val_top1_mean", m.accMean());
      out.put(at + ".val_top1_std", m.accStd());
      out.put(at + ".n", (double) m.n());
    }
    return out;
  }

  /** The end-of-run tables' rows (formatted for reading). */
  public List<SummaryRow> rows() {
    List<SummaryRow> rows = new ArrayList<>();
    for (Probe p : probes) {
      Map<String, String> key = new LinkedHashMap<>();
      key.put("concept", p.concept());
      key.put("layer", p.layer());
      key.put("sparsity", p.sparsity());
      Map<String, String> v = new LinkedHashMap<>();
      v.put("probe accuracy", meanStd(p.accMean(), p.accStd(), p.n()));
      if (!p.topIds().isEmpty()) {
        v.put("top ids", String.join(" ", p.topIds()));
      }
      rows.add(new SummaryRow(PROBES, key, v));
    }
    for (PruneArm a : pruneArms) {
      Map<String, String> key = new LinkedHashMap<>();
      key.put("concept", a.concept());
      key.put("layer", a.layer());
      key.put("sparsity", a.sparsity());
      key.put("k", Integer.toString(a.k()));
      key.put("arm", a.arm());
      if (a.method() != null) {
        key.put("method", a.method());
      }
      Map<String, String> v = new LinkedHashMap<>();
      v.put(
          "baseline",
          a.baselineMean() == null
              ? "n/a"
              : meanStd(a.baselineMean(), a.baselineStd(), a.nBaseline()));
      v.put("after pruning", meanStd(a.accMean(), a.accStd(), a.n()));
      v.put(
          "difference", a.delta() == null ? "n/a" : String.format(Locale.ROOT, "%+.3f", a.delta()));
      v.put("Welch p", p(a.welchP()));
      v.put("permutation p", p(a.permutationP()));
      rows.add(new SummaryRow(PRUNE, key, v));
    }
    for (Attribution a : attributions) {
      Map<String, String> key = new LinkedHashMap<>();
      key.put("concept", a.concept());
      key.put("layer", a.layer());
      key.put("sparsity", a.sparsity());
      if (a.method() != null) {
        key.put("method", a.method());
      }
      Map<String, String> v = new LinkedHashMap<>();
      v.put("seed ρ", fixed(a.seedSpearman(), "%.2f"));
      v.put("seed top-100", a.seedTop100() == null ? "n/a" : fixed(100 * a.seedTop100(), "%.0f%%"));
      v.put("split-half ρ", fixed(a.splitHalfSpearman(), "%.2f"));
      v.put("top-100 enrichment", fixed(a.enrichmentTop100(), "%.2fx"));
      if (a.lds() != null) { // only studies with evaluate.lds get the column
        v.put(
            "LDS [95% CI]",
            String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", a.lds(), a.ldsCiLow(), a.ldsCiHigh()));
      }
      rows.add(new SummaryRow(ATTRIBUTIONS, key, v));
    }
    for (Model m : models) {
      Map<String, String> key = new LinkedHashMap<>();
      key.put("ensemble", m.arm() == null ? "base" : "retrained");
      if (m.arm() != null) {
        key.put("concept", m.concept());
        key.put("layer", m.layer());
        key.put("sparsity", m.sparsity());
        key.put("k", Integer.toString(m.k()));
        key.put("arm", m.arm());
        if (m.method() != null) {
          key.put("method", m.method());
        }
      }
      rows.add(
          new SummaryRow(
              MODELS, key, Map.of("validation top-1", meanStd(m.accMean(), m.accStd(), m.n()))));
    }
    return rows;
  }

  /**
   * {@code model.base}, or {@code model.retrain.wavy.layer3.dense.top.k100} (method after
   * sparsity).
   */
  private static String modelName(Model m) {
    if (m.arm() == null) {
      return "model.base";
    }
    return m.method() == null
        ? name(
            "model",
            "retrain",
            m.concept(),
            m.layer(),
            sparsity(m.sparsity()),
            m.arm(),
            "k" + m.k())
        : name(
            "model",
            "retrain",
            m.concept(),
            m.layer(),
            sparsity(m.sparsity()),
            m.method(),
            m.arm(),
            "k" + m.k());
  }

  private static String fixed(Double v, String format) {
    return v == null || v.isNaN() ? "n/a" : String.format(Locale.ROOT, format, v);
  }

  /** A metric name from words: anything but letters, digits and {@code _} becomes {@code _}. */
  static String name(String... words) {
    List<String> parts = new ArrayList<>();
    for (String w : words) {
      parts.add(w.replaceAll("[^A-Za-z0-9_]", "_"));
    }
    return String.join(".", parts);
  }

  /** {@code dense} stays; a sparse probe's number of non-zero weights reads {@code sparse16}. */
  private static String sparsity(String label) {
    return label.chars().allMatch(Character::isDigit) ? "sparse" + label : label;
  }

  private static void putIfKnown(Map<String, Double> out, String name, Double value) {
    if (value != null && !value.isNaN()) {
      out.put(name, value);
    }
  }

  private static String meanStd(double mean, double std, int n) {
    return String.format(Locale.ROOT, "%.3f ± %.3f (n=%d)", mean, std, n);
  }

  private static String p(Double p) {
    if (p == null || p.isNaN()) {
      return "n/a";
    }
    return p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
  }
}
