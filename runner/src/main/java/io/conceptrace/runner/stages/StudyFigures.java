package io.conceptrace.runner.stages;

import io.conceptrace.core.concept.ConceptSpec;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.runner.report.FigureData.AttributedImage;
import io.conceptrace.runner.report.FigureData.ConceptMark;
import io.conceptrace.runner.report.FigureData.LayerAccuracy;
import io.conceptrace.runner.report.FigureData.PruneCurve;
import io.conceptrace.runner.report.FigureData.Repeats;
import io.conceptrace.runner.report.FigureData.ScoreDistribution;
import io.conceptrace.runner.report.FigureData.SparsityCurve;
import io.conceptrace.runner.report.Figures;
import io.conceptrace.runner.report.HtmlReport;
import io.conceptrace.runner.report.ImageGrid;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The study's figures (the paper's Figs. 3, 4 and 5) and the HTML report, drawn from the report
 * cell's statistics and the attribution rankings. Layers appear in the order the experiment lists
 * them, which is forward order.
 */
final class StudyFigures {
  static final String DIR = "report";
  private static final int GRID_TILES = 8;
  private static final String DENSE = "dense";

  private StudyFigures() {}

  /** Writes the figures and {@code report/index.html} into {@code dir}; returns the page. */
  static Path write(
      Path dir,
      String experiment,
      Optional<Path> experimentFile,
      List<ReportStage.ProbeStat> probes,
      List<ReportStage.ArmStat> arms,
      List<StoredCell> inputs,
      List<SummaryRow> rows,
      Optional<ImageDataset> train,
      Function<String, Optional<ConceptSpec>> conceptSpecs,
      Map<String, String> provenance) {
    List<HtmlReport.Figure> figures = new ArrayList<>();
    Set<String> concepts = new LinkedHashSet<>();
    probes.forEach(p -> concepts.add(p.key().get("concept")));

    List<LayerAccuracy> byLayer = new ArrayList<>();
    for (String concept : concepts) {
      List<String> layers = new ArrayList<>();
      List<Repeats> acc = new ArrayList<>();
      for (ReportStage.ProbeStat p : probes) {
        if (p.key().get("concept").equals(concept) && DENSE.equals(p.key().get("sparsity"))) {
          layers.add(p.key().get("layer"));
          acc.add(Repeats.of(p.accuracies()));
        }
      }
      if (!layers.isEmpty()) {
        byLayer.add(new LayerAccuracy(concept, layers, acc));
      }
    }
    if (!byLayer.isEmpty()) {
      figures.add(
          new HtmlReport.Figure(
              "Probe accuracy by layer",
              "Dense probes, validation accuracy, mean ± std over the ensemble (cf. Fig. 3).",
              Figures.probeAccuracyByLayer(byLayer, dir.resolve("probe-accuracy-by-layer.png"))));
    }

    for (String concept : concepts) {
      List<SparsityCurve> curves = sparsityCurves(concept, probes);
      if (!curves.isEmpty()) {
        figures.add(
            new HtmlReport.Figure(
                "Sparse probes: " + concept,
                "Validation accuracy by the number k of non-zero probe weights, per layer;"
                    + " dashed: the dense probe (cf. Fig. 4).",
                Figures.sparseAccuracyByK(
                    curves, dir.resolve("sparse-accuracy-" + safe(concept) + ".png"))));
      }
      List<ScoreDistribution> scores = scoreDistributions(concept, inputs);
      if (!scores.isEmpty()) {
        figures.add(
            new HtmlReport.Figure(
                "Attribution scores: " + concept,
                "Distribution of the Eq. (1) importance of each training image (cf. Fig. 5,"
                    + " left).",
                Figures.scoreHistogram(
                    scores, 50, dir.resolve("scores-" + safe(concept) + ".png"))));
      }
    }

    pruneFigures(arms, dir, figures);
    train.ifPresent(data -> activationConcepts(inputs, data, dir, figures));
    train.ifPresent(data -> grids(inputs, data, conceptSpecs, dir, figures));

    List<String> header = List.of("table", "coordinates", "values");
    List<List<String>> table = new ArrayList<>();
    for (SummaryRow r : rows) {
      table.add(List.of(r.section(), join(r.key()), join(r.values())));
    }
    String fileName = experimentFile.map(p -> p.getFileName().toString()).orElse("");
    String fileText = experimentFile.flatMap(StudyFigures::read).orElse("");
    return HtmlReport.write(
        new HtmlReport.Page(experiment, fileName, fileText, header, table, figures, provenance),
        dir);
  }

  private static List<SparsityCurve> sparsityCurves(
      String concept, List<ReportStage.ProbeStat> probes) {
    Map<String, TreeMap<Integer, Repeats>> sparse = new LinkedHashMap<>();
    Map<String, Repeats> dense = new LinkedHashMap<>();
    for (ReportStage.ProbeStat p : probes) {
      if (!p.key().get("concept").equals(concept)) {
        continue;
      }
      String layer = p.key().get("layer");
      String sparsity = p.key().get("sparsity");
      if (DENSE.equals(sparsity)) {
        dense.put(layer, Repeats.of(p.accuracies()));
      } else {
        sparse
            .computeIfAbsent(layer, l -> new TreeMap<>())
            .put(Integer.parseInt(sparsity), Repeats.of(p.accuracies()));
      }
    }
    List<SparsityCurve> out = new ArrayList<>();
    sparse.forEach(
        (layer, byK) ->
            out.add(
                new SparsityCurve(
                    layer,
                    List.copyOf(byK.keySet()),
                    List.copyOf(byK.values()),
                    dense.get(layer))));
    return out;
  }

  private static List<ScoreDistribution> scoreDistributions(
      String concept, List<StoredCell> inputs) {
    List<ScoreDistribution> out = new ArrayList<>();
    for (StoredCell c : inputs) {
      Map<String, String> at = c.record().coordinates();
      if (c.record().stage().equals(Stages.ATTRIBUTE)
          && concept.equals(at.get("concept"))
          && DENSE.equals(at.get("sparsity"))) {
        double[] scores =
            RankingFile.read(c.artifact(StageFiles.RANKING)).stream()
                .mapToDouble(RankingFile.Entry::score)
                .toArray();
        if (scores.length > 0) {
          out.add(
              new ScoreDistribution(
                  at.get("layer") + (at.containsKey("method") ? " " + at.get("method") : ""),
                  scores));
        }
      }
    }
    return out;
  }

  /** One figure per concept × layer × sparsity: accuracy by prune size, per arm. */
  private static void pruneFigures(
      List<ReportStage.ArmStat> arms, Path dir, List<HtmlReport.Figure> figures) {
    Map<String, Map<String, TreeMap<Integer, Repeats>>> byProbe = new LinkedHashMap<>();
    Map<String, Repeats> baseline = new LinkedHashMap<>();
    for (ReportStage.ArmStat a : arms) {
      String probe =
          a.key().get("concept")
              + " "
              + a.key().get("layer")
              + " "
              + a.key().get("sparsity")
              + (a.key().containsKey("method") ? " " + a.key().get("method") : "");
      if (a.pruned().length == 0) {
        continue;
      }
      byProbe
          .computeIfAbsent(probe, p -> new LinkedHashMap<>())
          .computeIfAbsent(a.key().get("arm"), arm -> new TreeMap<>())
          .put(Integer.parseInt(a.key().get("k")), Repeats.of(a.pruned()));
      if (a.baseline().length > 0) {
        baseline.put(probe, Repeats.of(a.baseline()));
      }
    }
    byProbe.forEach(
        (probe, byArm) -> {
          List<PruneCurve> curves = new ArrayList<>();
          byArm.entrySet().stream()
              .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
              .forEach(
                  e -> {
                    // Each arm starts from the unpruned baseline at k = 0.
                    TreeMap<Integer, Repeats> points = new TreeMap<>(e.getValue());
                    Repeats base = baseline.get(probe);
                    if (base != null) {
                      points.put(0, base);
                    }
                    curves.add(
                        new PruneCurve(
                            e.getKey(),
                            List.copyOf(points.keySet()),
                            List.copyOf(points.values())));
                  });
          figures.add(
              new HtmlReport.Figure(
                  "Pruning: " + probe,
                  "Re-probed accuracy after removing k training images per arm (top, random,"
                      + " bottom Eq. (1) scores), mean ± std over the retrained ensemble; k = 0 is"
                      + " the unpruned baseline (cf. Fig. 5).",
                  Figures.accuracyByPruneSize(
                      "Accuracy after pruning: " + probe,
                      curves,
                      dir.resolve("prune-" + safe(probe) + ".png"))));
        });
  }

  /**
   * Every activation concept's definition as computed: its threshold, its positives in both splits,
   * and its highest- and lowest-scoring training images (the top ones are its positives).
   */
  private static void activationConcepts(
      List<StoredCell> inputs, ImageDataset train, Path dir, List<HtmlReport.Figure> figures) {
    for (StoredCell c : inputs) {
      if (!c.record().stage().equals(Stages.CONCEPT)) {
        continue;
      }
      String concept = c.record().coordinates().get("concept");
      double[] scores =
          io.conceptrace.core.io.Npy.readFloat64(c.artifact(ConceptStage.TRAIN_SCORES));
      double[] val = io.conceptrace.core.io.Npy.readFloat64(c.artifact(ConceptStage.VAL_SCORES));
      double threshold =
          io.conceptrace.core.io.Npy.readFloat64(c.artifact(ConceptStage.THRESHOLD))[0];
      if (scores.length != train.size()) {
        throw new IllegalStateException(
            "concept "
                + concept
                + ": "
                + scores.length
                + " scores for "
                + train.size()
                + " images");
      }
      Integer[] order = new Integer[scores.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
      int n = Math.min(GRID_TILES, order.length / 2);
      List<AttributedImage> top = new ArrayList<>();
      List<AttributedImage> bottom = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        top.add(activationTile(train, order[r], scores, threshold));
        bottom.add(activationTile(train, order[order.length - 1 - r], scores, threshold));
      }
      figures.add(
          new HtmlReport.Figure(
              "Activation concept: " + concept,
              String.format(
                  java.util.Locale.ROOT,
                  "Threshold %.4g (the training percentile, applied unchanged to the validation"
                      + " images): %d of %d training and %d of %d validation images are"
                      + " positives. The training images with the highest (first rows, framed:"
                      + " positives) and lowest (last rows) score; the score under each image.",
                  threshold,
                  ConceptStage.countAtLeast(scores, threshold),
                  scores.length,
                  ConceptStage.countAtLeast(val, threshold),
                  val.length),
              ImageGrid.render(
                  "Top and bottom activating training images: " + concept,
                  top,
                  bottom,
                  new ImageGrid.Layout(GRID_TILES, 64),
                  dir.resolve("concept-" + safe(concept) + ".png"))));
    }
  }

  private static AttributedImage activationTile(
      ImageDataset train, int i, double[] scores, double threshold) {
    Example x = train.get(i);
    return new AttributedImage(
        x.id(),
        train.classNames().get(x.label()),
        scores[i],
        x.image(),
        scores[i] >= threshold ? ConceptMark.POSITIVE : ConceptMark.NEGATIVE);
  }

  /**
   * Top and bottom attributed training images of every attribution cell (cf. Figs. 2 and 6), the
   * concept's positives framed where its definition tells which training images they are.
   */
  private static void grids(
      List<StoredCell> inputs,
      ImageDataset train,
      Function<String, Optional<ConceptSpec>> concepts,
      Path dir,
      List<HtmlReport.Figure> figures) {
    Map<String, Optional<boolean[]>> carriers = new LinkedHashMap<>();
    Map<String, Integer> index = null;
    for (StoredCell c : inputs) {
      if (!c.record().stage().equals(Stages.ATTRIBUTE)) {
        continue;
      }
      if (index == null) {
        index = new LinkedHashMap<>();
        for (int i = 0; i < train.size(); i++) {
          index.put(train.id(i), i);
        }
      }
      List<RankingFile.Entry> ranking = RankingFile.read(c.artifact(StageFiles.RANKING));
      int n = Math.min(GRID_TILES, ranking.size() / 2);
      if (n == 0) {
        continue;
      }
      List<RankingFile.Entry> bottom =
          new ArrayList<>(ranking.subList(ranking.size() - n, ranking.size()));
      java.util.Collections.reverse(bottom);
      Map<String, String> at = c.record().coordinates();
      Optional<boolean[]> positives =
          carriers.computeIfAbsent(
              at.get("concept"),
              name -> concepts.apply(name).flatMap(spec -> AttributeStage.carriers(spec, train)));
      String probe =
          at.get("concept")
              + " "
              + at.get("layer")
              + " "
              + at.get("sparsity")
              + (at.containsKey("method") ? " " + at.get("method") : "");
      figures.add(
          new HtmlReport.Figure(
              "Attributed images: " + probe,
              "The training images with the highest (first rows) and lowest (last rows) Eq. (1)"
                  + " importance for the probe's concept predictions (cf. Figs. 2 and 6)"
                  + (positives.isPresent()
                      ? "; framed in orange and marked \"concept +\": the concept's positives."
                      : "."),
              ImageGrid.render(
                  "Top and bottom attributed training images: " + probe,
                  tiles(ranking.subList(0, n), train, index, positives),
                  tiles(bottom, train, index, positives),
                  new ImageGrid.Layout(GRID_TILES, 64),
                  dir.resolve("images-" + safe(probe) + ".png"))));
    }
  }

  private static List<AttributedImage> tiles(
      List<RankingFile.Entry> entries,
      ImageDataset train,
      Map<String, Integer> index,
      Optional<boolean[]> positives) {
    List<AttributedImage> out = new ArrayList<>();
    for (RankingFile.Entry e : entries) {
      Integer i = index.get(e.id());
      if (i == null) {
        throw new IllegalStateException(
            "ranked id " + e.id() + " is not in the training set " + train.name());
      }
      Example x = train.get(i);
      ConceptMark mark =
          positives
              .map(p -> p[i] ? ConceptMark.POSITIVE : ConceptMark.NEGATIVE)
              .orElse(ConceptMark.UNKNOWN);
      out.add(
          new AttributedImage(
              e.id(), train.classNames().get(x.label()), e.score(), x.image(), mark));
    }
    return out;
  }

  private static String join(Map<String, String> m) {
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(k + "=" + v));
    return String.join(", ", parts);
  }

  private static String safe(String s) {
    return s.replaceAll("[^A-Za-z0-9._-]+", "_");
  }

  private static Optional<String> read(Path file) {
    try {
      return Optional.of(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the experiment file " + file, e);
    }
  }
}
