package io.conceptrace.runner.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.runner.report.FigureData.AttributedImage;
import io.conceptrace.runner.report.FigureData.ConceptMark;
import io.conceptrace.runner.report.FigureData.LayerAccuracy;
import io.conceptrace.runner.report.FigureData.PruneCurve;
import io.conceptrace.runner.report.FigureData.Repeats;
import io.conceptrace.runner.report.FigureData.ScoreDistribution;
import io.conceptrace.runner.report.FigureData.SparsityCurve;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FiguresTest {
  @TempDir Path dir;

  @Test
  void repeatsGiveMeanAndSampleStd() {
    Repeats r = Repeats.of(0.6, 0.8, 1.0);
    assertThat(r.mean()).isCloseTo(0.8, within(1e-12));
    assertThat(r.std()).isCloseTo(0.2, within(1e-12));
    assertThat(Repeats.of(0.5).std()).isZero();
  }

  @Test
  void armsAreDrawnApartAndAxesStaySaneForOneKAndSkewedScores() {
    // Three arms: left of, on and right of the true k, 2 % of the axis apart.
    assertThat(Figures.armOffset(0, 3, 100)).isCloseTo(-2.0, within(1e-12));
    assertThat(Figures.armOffset(1, 3, 100)).isZero();
    assertThat(Figures.armOffset(2, 3, 100)).isCloseTo(2.0, within(1e-12));
    // One sparsity k = 16: 0 to 32 (linear), not 16 to 17.
    assertThat(Figures.kAxisRange(16, 16)).containsExactly(0.0, 32.0);
    assertThat(Figures.kAxisRange(4, 64)).containsExactly(4.0, 64.0);
    // Tick labels as people write numbers: no exponents, no binary noise, no trailing zeros.
    assertThat(Figures.tick(-150.0)).isEqualTo("-150");
    assertThat(Figures.tick(100.0)).isEqualTo("100");
    assertThat(Figures.tick(0.30000000000000004)).isEqualTo("0.3");
    assertThat(Figures.tick(-0.0)).isEqualTo("0");
    assertThat(Figures.tick(5.0e-5)).isEqualTo("0.00005");
    // Score axes end on round numbers.
    assertThat(Figures.roundRange(-0.0123, 0.871)).containsExactly(-0.1, 0.9);
    assertThat(Figures.roundRange(3.2e-5, 7.9e-5)).containsExactly(3.0e-5, 8.0e-5);
  }

  @Test
  void everyChartIsAPngOfTheDocumentedSizeAndShowsItsData() throws Exception {
    List<String> layers = List.of("layer1", "layer2", "layer3", "layer4");
    Path fig3 =
        Figures.probeAccuracyByLayer(
            List.of(
                new LayerAccuracy(
                    "wavy",
                    layers,
                    List.of(
                        Repeats.of(0.6, 0.62),
                        Repeats.of(0.7, 0.75),
                        Repeats.of(0.85, 0.9),
                        Repeats.of(0.9, 0.92))),
                new LayerAccuracy(
                    "high-low",
                    layers,
                    List.of(Repeats.of(0.55), Repeats.of(0.6), Repeats.of(0.62), Repeats.of(0.7)))),
            dir.resolve("fig3/probe-accuracy.png"));
    Path fig4 =
        Figures.sparseAccuracyByK(
            List.of(
                new SparsityCurve(
                    "layer3",
                    List.of(1, 4, 16, 64),
                    List.of(
                        Repeats.of(0.6, 0.61), Repeats.of(0.7), Repeats.of(0.8), Repeats.of(0.85)),
                    Repeats.of(0.9)),
                new SparsityCurve(
                    "layer4",
                    List.of(1, 4, 16, 64),
                    List.of(Repeats.of(0.5), Repeats.of(0.6), Repeats.of(0.7), Repeats.of(0.75)),
                    null)),
            dir.resolve("fig4.png"));
    double[] scores = new double[500];
    Arrays.setAll(scores, i -> Math.sin(i) * Math.sqrt(i));
    Path fig5a =
        Figures.scoreHistogram(
            List.of(new ScoreDistribution("wavy @ layer3", scores)), 30, dir.resolve("fig5a.png"));
    Path fig5b =
        Figures.accuracyByPruneSize(
            "wavy @ layer3",
            List.of(
                new PruneCurve(
                    "top",
                    List.of(0, 100, 300),
                    List.of(Repeats.of(0.9, 0.91), Repeats.of(0.8, 0.82), Repeats.of(0.6, 0.65))),
                new PruneCurve(
                    "random",
                    List.of(0, 100, 300),
                    List.of(Repeats.of(0.9, 0.91), Repeats.of(0.89), Repeats.of(0.88)))),
            dir.resolve("fig5b.png"));
    for (Path p : List.of(fig3, fig4, fig5a, fig5b)) {
      BufferedImage img = ImageIO.read(p.toFile());
      assertThat(img).as(p.toString()).isNotNull();
      assertThat(img.getWidth()).isEqualTo(Figures.WIDTH);
      assertThat(img.getHeight()).isEqualTo(Figures.HEIGHT);
      assertThat(colouredPixels(img)).as(p + " has coloured series").isGreaterThan(200);
    }
    // Different data draws a different picture.
    Path other =
        Figures.accuracyByPruneSize(
            "wavy @ layer3",
            List.of(
                new PruneCurve(
                    "top",
                    List.of(0, 100, 300),
                    List.of(Repeats.of(0.5), Repeats.of(0.9), Repeats.of(0.2)))),
            dir.resolve("other.png"));
    assertThat(Files.readAllBytes(other)).isNotEqualTo(Files.readAllBytes(fig5b));
  }

  @Test
  void badInputsAreRefusedWithAReason() {
    assertThatThrownBy(() -> Figures.probeAccuracyByLayer(List.of(), dir.resolve("x.png")))
        .hasMessageContaining("no concepts");
    assertThatThrownBy(
            () ->
                Figures.sparseAccuracyByK(
                    List.of(
                        new SparsityCurve(
                            "l", List.of(0, 4), List.of(Repeats.of(1), Repeats.of(1)), null)),
                    dir.resolve("x.png")))
        .hasMessageContaining("k must be positive");
    assertThatThrownBy(() -> new LayerAccuracy("c", List.of("a", "b"), List.of(Repeats.of(1))))
        .hasMessageContaining("one accuracy per layer");
  }

  @Test
  void imageGridsPutTopAndBottomTilesWithLabelsUnderThem() throws Exception {
    ImageGrid.Layout layout = new ImageGrid.Layout(3, 40);
    List<AttributedImage> top =
        List.of(
            tile(1, "snake", 9.5, 1, 0, 0),
            tile(2, "worm", 8.25, 1, 0, 0),
            tile(3, "snake", 7, 1, 0, 0),
            tile(4, "eel", 6, 1, 0, 0));
    List<AttributedImage> bottom = List.of(tile(99, "truck", -3.5, 0, 0, 1));
    Path png = ImageGrid.render("wavy @ layer3", top, bottom, layout, dir.resolve("grid.png"));
    BufferedImage img = ImageIO.read(png.toFile());
    // Columns widen to fit labels under small tiles.
    assertThat(img.getWidth())
        .isEqualTo(2 * ImageGrid.MARGIN + 3 * ImageGrid.MIN_COLUMN + 2 * ImageGrid.GAP);
    // The first top tile is red: find its block and check the label below it has ink.
    int redX = -1;
    int redY = -1;
    int blueY = -1;
    for (int y = 0; y < img.getHeight() && (redY < 0 || blueY < 0); y++) {
      int rgb = img.getRGB(ImageGrid.MARGIN + 20, y) & 0xffffff;
      if (redY < 0 && rgb == 0xff0000) {
        redY = y;
        redX = ImageGrid.MARGIN + 20;
      }
      if (blueY < 0 && rgb == 0x0000ff) {
        blueY = y;
      }
    }
    assertThat(redY).as("a red tile in column 1").isPositive();
    assertThat(blueY).as("the blue bottom tile below the red ones").isGreaterThan(redY + 2 * 40);
    assertThat(img.getRGB(redX, redY + 39) & 0xffffff).isEqualTo(0xff0000); // 40 px tall
    int ink = 0;
    for (int y = redY + 40; y < redY + 40 + 20; y++) {
      for (int x = ImageGrid.MARGIN; x < ImageGrid.MARGIN + 40; x++) {
        if ((img.getRGB(x, y) & 0xff) < 128) {
          ink++;
        }
      }
    }
    assertThat(ink).as("label text under the tile").isGreaterThan(10);
    // 4 top tiles in 3 columns: a second row, so the 4th tile sits below the 1st.
    assertThat(
            img.getRGB(ImageGrid.MARGIN + 20 + ImageGrid.MIN_COLUMN + ImageGrid.GAP, blueY)
                & 0xffffff)
        .as("nothing beside the single bottom tile")
        .isEqualTo(0xffffff);
  }

  @Test
  void conceptPositivesAreFramedAndOthersAreNot() throws Exception {
    ImageGrid.Layout layout = new ImageGrid.Layout(2, 40);
    AttributedImage positive = mark(tile(1, "snake", 9, 1, 0, 0), ConceptMark.POSITIVE);
    AttributedImage negative = mark(tile(2, "truck", 8, 1, 0, 0), ConceptMark.NEGATIVE);
    BufferedImage img = ImageGrid.draw("wavy", List.of(positive, negative), List.of(), layout);
    int redY = -1;
    for (int y = 0; y < img.getHeight() && redY < 0; y++) {
      if ((img.getRGB(ImageGrid.MARGIN + 20, y) & 0xffffff) == 0xff0000) {
        redY = y;
      }
    }
    assertThat(redY).isPositive();
    int orange = ImageGrid.POSITIVE.getRGB() & 0xffffff;
    int secondX = ImageGrid.MARGIN + ImageGrid.MIN_COLUMN + ImageGrid.GAP;
    // Left of each tile, at its middle: the frame for the positive, background for the other.
    assertThat(img.getRGB(ImageGrid.MARGIN - 1, redY + 20) & 0xffffff).isEqualTo(orange);
    assertThat(img.getRGB(ImageGrid.MARGIN - ImageGrid.FRAME, redY + 20) & 0xffffff)
        .isEqualTo(orange);
    assertThat(img.getRGB(secondX - 1, redY + 20) & 0xffffff).isEqualTo(0xffffff);
    // The frame is outside the image: the tile's own pixels are untouched.
    assertThat(img.getRGB(ImageGrid.MARGIN, redY + 20) & 0xffffff).isEqualTo(0xff0000);
    // A grid without any known concept membership has no legend line, so it is shorter.
    BufferedImage plain =
        ImageGrid.draw("wavy", List.of(tile(1, "snake", 9, 1, 0, 0)), List.of(), layout);
    assertThat(plain.getHeight()).isLessThan(img.getHeight());
  }

  @Test
  void longClassNamesWrapOntoASecondLineInsteadOfBeingCut() {
    BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = scratch.createGraphics();
    try {
      java.awt.FontMetrics m = g.getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, 0, 11));
      String name = "Greater Swiss Mountain dog";
      List<String> lines = ImageGrid.wrap(m, name, ImageGrid.MIN_COLUMN, 2);
      assertThat(lines).hasSize(2);
      assertThat(String.join(" ", lines)).isEqualTo(name);
      assertThat(lines).allMatch(l -> m.stringWidth(l) <= ImageGrid.MIN_COLUMN);
      assertThat(ImageGrid.wrap(m, "snake", ImageGrid.MIN_COLUMN, 2)).containsExactly("snake");
      // No break character: split between letters, nothing lost.
      List<String> word = ImageGrid.wrap(m, "x".repeat(30), 60, 2);
      assertThat(String.join("", word)).isEqualTo("x".repeat(30));
    } finally {
      g.dispose();
    }
  }

  private static AttributedImage mark(AttributedImage a, ConceptMark mark) {
    return new AttributedImage(a.id(), a.className(), a.score(), a.image(), mark);
  }

  @Test
  void greyImagesAndOutOfRangePixelsAreClamped() {
    ImageTensor grey = new ImageTensor(1, 1, 2, new float[] {-1f, 2f});
    BufferedImage img = ImageGrid.toImage(grey);
    assertThat(img.getRGB(0, 0) & 0xffffff).isEqualTo(0x000000);
    assertThat(img.getRGB(1, 0) & 0xffffff).isEqualTo(0xffffff);
  }

  private static AttributedImage tile(int id, String cls, double score, float r, float g, float b) {
    int size = 8;
    float[] data = new float[3 * size * size];
    Arrays.fill(data, 0, size * size, r);
    Arrays.fill(data, size * size, 2 * size * size, g);
    Arrays.fill(data, 2 * size * size, 3 * size * size, b);
    return new AttributedImage(
        "synthetic/train/" + id, cls, score, new ImageTensor(3, size, size, data));
  }

  private static int colouredPixels(BufferedImage img) {
    int n = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
          n++;
        }
      }
    }
    return n;
  }
}
