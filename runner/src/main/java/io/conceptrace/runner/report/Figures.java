package io.conceptrace.runner.report;

import io.conceptrace.runner.report.FigureData.LayerAccuracy;
import io.conceptrace.runner.report.FigureData.PruneCurve;
import io.conceptrace.runner.report.FigureData.Repeats;
import io.conceptrace.runner.report.FigureData.ScoreDistribution;
import io.conceptrace.runner.report.FigureData.SparsityCurve;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.Histogram;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The study's line and histogram figures as PNG files (XChart). Every method writes one file and
 * returns its path; parent directories are created. Error bars are ± one sample standard deviation
 * over the repeats.
 */
public final class Figures {
  public static final int WIDTH = 800;
  public static final int HEIGHT = 520;

  /** Distinguishable colours (Okabe-Ito), so that a layer's dense line matches its curve. */
  private static final Color[] PALETTE = {
    new Color(0x0072B2),
    new Color(0xD55E00),
    new Color(0x009E73),
    new Color(0xCC79A7),
    new Color(0xE69F00),
    new Color(0x56B4E9),
    new Color(0xF0E442),
    Color.BLACK
  };

  private Figures() {}

  /** Fig. 3: probe validation accuracy against layer depth, one line per concept. */
  public static Path probeAccuracyByLayer(List<LayerAccuracy> concepts, Path png) {
    requireSome(concepts, "concepts");
    Set<String> layers = new LinkedHashSet<>();
    concepts.forEach(c -> layers.addAll(c.layers()));
    List<String> x = List.copyOf(layers);
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Probe accuracy by layer (mean ± std)")
            .xAxisTitle("layer (shallow → deep)")
            .yAxisTitle("validation accuracy")
            .build();
    style(chart.getStyler());
    chart.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
    chart.getStyler().setOverlapped(true); // every concept's point sits on its layer
    for (LayerAccuracy c : concepts) {
      List<Double> mean = new ArrayList<>();
      List<Double> std = new ArrayList<>();
      for (String layer : x) {
        int i = c.layers().indexOf(layer);
        mean.add(i < 0 ? null : c.accuracy().get(i).mean());
        std.add(i < 0 ? null : c.accuracy().get(i).std());
      }
      chart.addSeries(c.concept(), x, mean, std).setMarker(SeriesMarkers.CIRCLE);
    }
    return write(chart, png);
  }

  /** Fig. 4: sparse-probe accuracy against k (log scale), one line per layer. */
  public static Path sparseAccuracyByK(List<SparsityCurve> layers, Path png) {
    requireSome(layers, "layers");
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Sparse probe accuracy by number of features k")
            .xAxisTitle("k (features used by the probe)")
            .yAxisTitle("validation accuracy")
            .build();
    style(chart.getStyler());
    int minK =
        layers.stream().flatMap(l -> l.k().stream()).mapToInt(Integer::intValue).min().orElse(1);
    int maxK =
        layers.stream().flatMap(l -> l.k().stream()).mapToInt(Integer::intValue).max().orElse(1);
    double[] kRange = kAxisRange(minK, maxK);
    // A log axis labels only decades: with one k it would show "10" and not the point's 16. One k
    // gets a linear axis from 0, whose ticks are round numbers around it.
    chart.getStyler().setXAxisLogarithmic(minK != maxK);
    chart.getStyler().setxAxisTickLabelsFormattingFunction(Figures::tick);
    chart.getStyler().setXAxisMin(kRange[0]);
    chart.getStyler().setXAxisMax(kRange[1]);
    for (int i = 0; i < layers.size(); i++) {
      SparsityCurve l = layers.get(i);
      Color colour = PALETTE[i % PALETTE.length];
      if (l.k().stream().anyMatch(k -> k <= 0)) {
        throw new IllegalArgumentException("k must be positive for a log axis: " + l.k());
      }
      XYSeries s =
          chart.addSeries(
              l.layer(),
              l.k().stream().mapToDouble(Integer::doubleValue).toArray(),
              means(l.accuracy()),
              stds(l.accuracy()));
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setLineColor(colour);
      s.setMarkerColor(colour);
      if (l.dense() != null) {
        double d = l.dense().mean();
        XYSeries dense =
            chart.addSeries(
                l.layer() + " dense", new double[] {kRange[0], kRange[1]}, new double[] {d, d});
        dense.setMarker(SeriesMarkers.NONE);
        dense.setLineStyle(SeriesLines.DASH_DASH);
        dense.setLineColor(colour);
      }
    }
    return write(chart, png);
  }

  /** Fig. 5 (left): histogram of attribution scores, one outline per distribution. */
  public static Path scoreHistogram(List<ScoreDistribution> distributions, int bins, Path png) {
    requireSome(distributions, "distributions");
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be positive: " + bins);
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (ScoreDistribution d : distributions) {
      for (double v : d.scores()) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (min == max) {
      min -= 0.5;
      max += 0.5;
    }
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title("Distribution of attribution scores (Eq. 1)")
            .xAxisTitle("score")
            .yAxisTitle("training examples (log scale)")
            .build();
    style(chart.getStyler());
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
    // Most scores sit in one spike near zero: a log count axis keeps the tails visible.
    chart.getStyler().setYAxisLogarithmic(true);
    chart.getStyler().setYAxisMin(0.8);
    double[] axis = roundRange(min, max);
    chart.getStyler().setXAxisMin(axis[0]);
    chart.getStyler().setXAxisMax(axis[1]);
    chart.getStyler().setxAxisTickLabelsFormattingFunction(Figures::tick);
    for (ScoreDistribution d : distributions) {
      Histogram h = new Histogram(Arrays.stream(d.scores()).boxed().toList(), bins, min, max);
      // Empty bins have no place on a log axis; the step line joins the filled ones.
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (int i = 0; i < h.getyAxisData().size(); i++) {
        if (h.getyAxisData().get(i) > 0) {
          x.add(h.getxAxisData().get(i));
          y.add(h.getyAxisData().get(i));
        }
      }
      chart.addSeries(d.label(), x, y).setMarker(SeriesMarkers.NONE);
    }
    return write(chart, png);
  }

  /** Fig. 5 (middle/right): probe accuracy against prune size, one line per arm. */
  public static Path accuracyByPruneSize(String title, List<PruneCurve> arms, Path png) {
    requireSome(arms, "arms");
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("training examples removed")
            .yAxisTitle("probe accuracy after retraining")
            .build();
    style(chart.getStyler());
    int maxK = arms.stream().flatMap(a -> a.pruned().stream()).mapToInt(i -> i).max().orElse(1);
    chart.getStyler().setXAxisMin(-0.1 * maxK);
    chart.getStyler().setXAxisMax(1.1 * maxK);
    for (int i = 0; i < arms.size(); i++) {
      PruneCurve a = arms.get(i);
      Color colour = PALETTE[i % PALETTE.length];
      double shift = armOffset(i, arms.size(), maxK);
      double[] x = a.pruned().stream().mapToDouble(k -> k + shift).toArray();
      XYSeries mean = chart.addSeries(a.arm(), x, means(a.accuracy()), stds(a.accuracy()));
      mean.setMarker(ARM_MARKERS[i % ARM_MARKERS.length]);
      mean.setLineColor(colour);
      mean.setMarkerColor(colour);
      // Every retrained member's own accuracy, as small points beside the mean.
      List<Double> px = new ArrayList<>();
      List<Double> py = new ArrayList<>();
      for (int j = 0; j < a.pruned().size(); j++) {
        for (double v : a.accuracy().get(j).values()) {
          px.add(x[j]);
          py.add(v);
        }
      }
      XYSeries members = chart.addSeries(a.arm() + " members", px, py);
      members.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
      members.setMarker(SeriesMarkers.CIRCLE);
      members.setMarkerColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 110));
      members.setShowInLegend(false);
    }
    return write(chart, png);
  }

  /** One marker shape per prune arm, so that arms with equal values stay distinguishable. */
  private static final Marker[] ARM_MARKERS = {
    SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE, SeriesMarkers.TRIANGLE_UP
  };

  /**
   * How far arm {@code i} of {@code n} is drawn beside its true x (2 % of the axis per arm,
   * centred), so that arms with equal accuracies do not hide each other.
   */
  static double armOffset(int i, int n, int maxK) {
    return (i - (n - 1) / 2.0) * 0.02 * Math.max(maxK, 1);
  }

  /** The k axis: the data's range (log), or 0 to twice a single k (linear). */
  static double[] kAxisRange(int minK, int maxK) {
    return minK == maxK ? new double[] {0, maxK * 2.0} : new double[] {minK, maxK};
  }

  /**
   * A tick label as people write the number: three significant digits at most, no exponent, no
   * trailing zeros ({@code -150}, {@code 0.05}, {@code 0}), not {@code -1.5e+02}.
   */
  static String tick(double x) {
    if (x == 0 || !Double.isFinite(x)) {
      return x == 0 ? "0" : Double.toString(x);
    }
    return new BigDecimal(x).round(new MathContext(3)).stripTrailingZeros().toPlainString();
  }

  /** {@code [min, max]} widened to round numbers at the scale of its span. */
  static double[] roundRange(double min, double max) {
    double span = max - min;
    double step = Math.pow(10, Math.floor(Math.log10(span)));
    if (span / step < 3) {
      step /= 2;
    }
    // Twelve significant digits drop the binary noise of k * step (0.9000000000000001).
    return new double[] {
      Double.parseDouble(String.format(Locale.ROOT, "%.12g", Math.floor(min / step) * step)),
      Double.parseDouble(String.format(Locale.ROOT, "%.12g", Math.ceil(max / step) * step))
    };
  }

  private static void style(AxesChartStyler s) {
    s.setChartBackgroundColor(Color.WHITE);
    s.setSeriesColors(PALETTE);
    s.setLegendPosition(Styler.LegendPosition.OutsideE);
    s.setMarkerSize(7);
    s.setErrorBarsColorSeriesColor(true);
    s.setAntiAlias(true);
  }

  private static double[] means(List<Repeats> r) {
    return r.stream().mapToDouble(Repeats::mean).toArray();
  }

  private static double[] stds(List<Repeats> r) {
    return r.stream().mapToDouble(Repeats::std).toArray();
  }

  private static void requireSome(List<?> items, String what) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to plot: no " + what);
    }
  }

  static Path write(Chart<?, ?> chart, Path png) {
    try {
      Path parent = png.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      try (OutputStream out = Files.newOutputStream(png)) {
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
      }
      return png;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write figure " + png, e);
    }
  }
}
