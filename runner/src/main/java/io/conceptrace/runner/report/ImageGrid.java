package io.conceptrace.runner.report;

import io.conceptrace.core.data.ImageTensor;
import io.conceptrace.runner.report.FigureData.AttributedImage;
import io.conceptrace.runner.report.FigureData.ConceptMark;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Figs. 2 and 6: grids of the training images with the highest and lowest attribution scores, each
 * tile labelled with the example's id, its whole class name (wrapped onto a second line when long),
 * its score and, where the concept's definition tells, whether it is a concept positive (also drawn
 * as an orange frame). Drawn with java.awt (headless).
 */
public final class ImageGrid {
  static final int MARGIN = 8;
  static final int GAP = 6;

  /** Id, class name (two lines), score, concept. */
  static final int LABEL_LINES = 5;

  /** The frame around a concept-positive tile (Okabe-Ito orange, apart from the figures' blue). */
  static final Color POSITIVE = new Color(0xE69F00);

  /** The frame's width; it lies in the margin and gaps around the tile, not over the image. */
  static final int FRAME = 2;

  static final String LEGEND =
      "orange frame: a positive of the concept (its classes, predicate or activation threshold)";

  /** Columns are at least this wide so that labels like "#12345 airplane" fit small tiles. */
  static final int MIN_COLUMN = 100;

  private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);
  private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 12);
  private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  /**
   * Layout: tiles of {@code tile} pixels (images scaled without smoothing), {@code columns} a row.
   */
  public record Layout(int columns, int tile) {
    public Layout {
      if (columns < 1 || tile < 8) {
        throw new IllegalArgumentException("need at least 1 column and 8-pixel tiles");
      }
    }
  }

  private ImageGrid() {}

  /**
   * Writes a PNG with a title, then the {@code top} tiles, then the {@code bottom} tiles (either
   * may be empty, not both).
   */
  public static Path render(
      String title,
      List<AttributedImage> top,
      List<AttributedImage> bottom,
      Layout layout,
      Path png) {
    if (top.isEmpty() && bottom.isEmpty()) {
      throw new IllegalArgumentException("nothing to draw: no images for " + title);
    }
    BufferedImage canvas = draw(title, top, bottom, layout);
    try {
      Files.createDirectories(png.toAbsolutePath().getParent());
      if (!ImageIO.write(canvas, "png", png.toFile())) {
        throw new IOException("no PNG writer available");
      }
      return png;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + png, e);
    }
  }

  static BufferedImage draw(
      String title, List<AttributedImage> top, List<AttributedImage> bottom, Layout layout) {
    int labelHeight = lineHeight(LABEL) * LABEL_LINES + 2;
    int cell = layout.tile() + labelHeight;
    int width = 2 * MARGIN + layout.columns() * column(layout) + (layout.columns() - 1) * GAP;
    boolean marked = marked(top) || marked(bottom);
    int height =
        MARGIN
            + lineHeight(TITLE)
            + (marked ? lineHeight(LABEL) : 0)
            + section(top, layout, cell)
            + section(bottom, layout, cell)
            + MARGIN;
    BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = canvas.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      int y = MARGIN;
      y = text(g, TITLE, title, MARGIN, y, width - 2 * MARGIN);
      if (marked) {
        y = text(g, LABEL, LEGEND, MARGIN, y, width - 2 * MARGIN);
      }
      y = drawSection(g, "highest scores", top, layout, cell, y, width);
      drawSection(g, "lowest scores", bottom, layout, cell, y, width);
    } finally {
      g.dispose();
    }
    return canvas;
  }

  static int column(Layout layout) {
    return Math.max(layout.tile(), MIN_COLUMN);
  }

  private static int section(List<AttributedImage> images, Layout layout, int cell) {
    if (images.isEmpty()) {
      return 0;
    }
    int rows = (images.size() + layout.columns() - 1) / layout.columns();
    return GAP + lineHeight(HEADING) + rows * cell + (rows - 1) * GAP;
  }

  private static int drawSection(
      Graphics2D g,
      String heading,
      List<AttributedImage> images,
      Layout layout,
      int cell,
      int y,
      int width) {
    if (images.isEmpty()) {
      return y;
    }
    y += GAP;
    y = text(g, HEADING, heading, MARGIN, y, width - 2 * MARGIN);
    for (int i = 0; i < images.size(); i++) {
      int col = i % layout.columns();
      int row = i / layout.columns();
      int x0 = MARGIN + col * (column(layout) + GAP);
      int y0 = y + row * (cell + GAP);
      AttributedImage a = images.get(i);
      g.drawImage(toImage(a.image()), x0, y0, layout.tile(), layout.tile(), null);
      if (a.concept() == ConceptMark.POSITIVE) {
        g.setColor(POSITIVE);
        for (int f = 1; f <= FRAME; f++) {
          g.drawRect(x0 - f, y0 - f, layout.tile() + 2 * f - 1, layout.tile() + 2 * f - 1);
        }
      }
      int ly = y0 + layout.tile() + 1;
      int w = column(layout);
      ly = text(g, LABEL, shortId(a.id()), x0, ly, w);
      // The class on lines of its own, wrapped rather than cut, so long names stay whole.
      List<String> name = wrap(g.getFontMetrics(LABEL), a.className(), w, 2);
      ly = text(g, LABEL, name.get(0), x0, ly, w);
      ly = text(g, LABEL, name.size() > 1 ? name.get(1) : "", x0, ly, w);
      ly = text(g, LABEL, String.format(Locale.ROOT, "score %.4g", a.score()), x0, ly, w);
      if (a.concept() != ConceptMark.UNKNOWN) {
        text(g, LABEL, a.concept() == ConceptMark.POSITIVE ? "concept +" : "concept -", x0, ly, w);
      }
    }
    int rows = (images.size() + layout.columns() - 1) / layout.columns();
    return y + rows * cell + (rows - 1) * GAP;
  }

  private static boolean marked(List<AttributedImage> images) {
    return images.stream().anyMatch(a -> a.concept() != ConceptMark.UNKNOWN);
  }

  /**
   * {@code s} in at most {@code maxLines} lines of {@code maxWidth} pixels, broken after a space,
   * {@code /} or {@code -} where possible, else between characters; only what the last line cannot
   * hold is cut (by {@link #text}).
   */
  static List<String> wrap(FontMetrics m, String s, int maxWidth, int maxLines) {
    List<String> lines = new ArrayList<>();
    String rest = s;
    while (lines.size() < maxLines - 1 && m.stringWidth(rest) > maxWidth) {
      int fit = 1;
      while (fit < rest.length() && m.stringWidth(rest.substring(0, fit + 1)) <= maxWidth) {
        fit++;
      }
      int cut = fit;
      for (int i = fit; i > 0; i--) {
        char c = rest.charAt(i - 1);
        if (c == ' ' || c == '/' || c == '-') {
          cut = i;
          break;
        }
      }
      lines.add(rest.substring(0, cut).strip());
      rest = rest.substring(cut).strip();
    }
    lines.add(rest);
    return lines;
  }

  /** Draws one line, cut with "…" to fit {@code maxWidth}; returns the y below it. */
  private static int text(Graphics2D g, Font font, String s, int x, int y, int maxWidth) {
    g.setFont(font);
    FontMetrics m = g.getFontMetrics();
    String shown = s;
    while (shown.length() > 1 && m.stringWidth(shown) > maxWidth) {
      shown = shown.substring(0, shown.length() - 2) + "…";
    }
    g.setColor(Color.BLACK);
    if (!shown.isEmpty()) {
      g.drawString(shown, x, y + m.getAscent());
    }
    return y + m.getHeight();
  }

  private static int lineHeight(Font font) {
    BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = scratch.createGraphics();
    try {
      return g.getFontMetrics(font).getHeight();
    } finally {
      g.dispose();
    }
  }

  /** Pixels in [0, 1] (clamped) to an RGB image; one channel is drawn as grey. */
  static BufferedImage toImage(ImageTensor t) {
    BufferedImage img = new BufferedImage(t.width(), t.height(), BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < t.height(); y++) {
      for (int x = 0; x < t.width(); x++) {
        int r = level(t.get(0, y, x));
        int gr = t.channels() == 3 ? level(t.get(1, y, x)) : r;
        int b = t.channels() == 3 ? level(t.get(2, y, x)) : r;
        img.setRGB(x, y, (r << 16) | (gr << 8) | b);
      }
    }
    return img;
  }

  private static int level(float v) {
    float c = Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v));
    return Math.round(c * 255f);
  }

  /** The last two path segments of a stable id (e.g. {@code train/123}): enough to find it. */
  static String shortId(String id) {
    int last = id.lastIndexOf('/');
    int before = last > 0 ? id.lastIndexOf('/', last - 1) : -1;
    return before >= 0 ? id.substring(before + 1) : id;
  }
}
