package io.conceptrace.runner.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;

/**
 * Writes {@code report/index.html}: the figures, the summary table and the experiment file, as one
 * self-contained page with its images next to it (no scripts, no network).
 */
public final class HtmlReport {
  /** One figure on the page. */
  public record Figure(String title, String caption, Path png) {
    public Figure {
      Objects.requireNonNull(title, "title");
      caption = caption == null ? "" : caption;
      Objects.requireNonNull(png, "png");
    }
  }

  /**
   * The page's content.
   *
   * @param title the page title, e.g. the experiment's name
   * @param experimentFileName the experiment file's name (shown above its text)
   * @param experimentFileText the experiment file's text; empty to leave the section out
   * @param summaryHeader the summary table's column names
   * @param summaryRows its rows (each as long as the header)
   * @param figures the figures, in page order
   */
  public record Page(
      String title,
      String experimentFileName,
      String experimentFileText,
      List<String> summaryHeader,
      List<List<String>> summaryRows,
      List<Figure> figures) {
    public Page {
      Objects.requireNonNull(title, "title");
      experimentFileName = experimentFileName == null ? "" : experimentFileName;
      experimentFileText = experimentFileText == null ? "" : experimentFileText;
      summaryHeader = List.copyOf(summaryHeader);
      summaryRows = summaryRows.stream().map(List::copyOf).toList();
      figures = List.copyOf(figures);
      for (List<String> row : summaryRows) {
        if (row.size() != summaryHeader.size()) {
          throw new IllegalArgumentException(
              "summary row has " + row.size() + " cells, header " + summaryHeader.size());
        }
      }
    }
  }

  private HtmlReport() {}

  /**
   * Writes {@code directory/index.html}. Figures outside {@code directory} are copied into {@code
   * directory/figures/} so that the directory can be moved or uploaded as a whole.
   */
  public static Path write(Page page, Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    for (Figure f : page.figures()) {
      if (!Files.isRegularFile(f.png())) {
        throw new IllegalArgumentException("figure " + f.png() + " does not exist");
      }
    }
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>")
        .append(escape(page.title()))
        .append("</title>\n<style>\n")
        .append("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}\n")
        .append("table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px;")
        .append("text-align:left}th{background:#eee}\n")
        .append("figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}\n")
        .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto}\n</style>\n</head>\n<body>\n")
        .append("<h1>")
        .append(escape(page.title()))
        .append("</h1>\n");
    try {
      Files.createDirectories(dir);
      if (!page.summaryHeader().isEmpty()) {
        h.append("<h2>Summary</h2>\n<table>\n<tr>");
        page.summaryHeader().forEach(c -> h.append("<th>").append(escape(c)).append("</th>"));
        h.append("</tr>\n");
        for (List<String> row : page.summaryRows()) {
          h.append("<tr>");
          row.forEach(c -> h.append("<td>").append(escape(c)).append("</td>"));
          h.append("</tr>\n");
        }
        h.append("</table>\n");
      }
      if (!page.figures().isEmpty()) {
        h.append("<h2>Figures</h2>\n");
      }
      int n = 0;
      for (Figure f : page.figures()) {
        n++;
        String src = place(f.png(), dir, n);
        h.append("<figure>\n<img src=\"")
            .append(escape(src))
            .append("\" alt=\"")
            .append(escape(f.title()))
            .append("\">\n<figcaption><b>")
            .append(escape(f.title()))
            .append("</b>");
        if (!f.caption().isEmpty()) {
          h.append(" ").append(escape(f.caption()));
        }
        h.append("</figcaption>\n</figure>\n");
      }
      if (!page.experimentFileText().isEmpty()) {
        h.append("<h2>Experiment file")
            .append(
                page.experimentFileName().isEmpty() ? "" : ": " + escape(page.experimentFileName()))
            .append("</h2>\n<pre>")
            .append(escape(page.experimentFileText()))
            .append("</pre>\n");
      }
      h.append("</body>\n</html>\n");
      Path index = dir.resolve("index.html");
      Files.writeString(index, h, StandardCharsets.UTF_8);
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report in " + dir, e);
    }
  }

  /** The figure's path relative to the report, copying it in when it lies elsewhere. */
  private static String place(Path png, Path dir, int n) throws IOException {
    Path p = png.toAbsolutePath().normalize();
    if (!p.startsWith(dir)) {
      Path target = dir.resolve("figures").resolve(n + "-" + p.getFileName());
      Files.createDirectories(target.getParent());
      Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
      p = target;
    }
    StringBuilder url = new StringBuilder();
    for (Path segment : dir.relativize(p)) {
      if (url.length() > 0) {
        url.append('/');
      }
      url.append(URLEncoder.encode(segment.toString(), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return url.toString();
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
