package io.conceptrace.runner.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes {@code report/index.html}: the figures, the summary table, the provenance and the
 * experiment file, as one self-contained page: the figures are embedded as {@code data:} URIs, so
 * the page renders alone — mailed, or inside MLflow's artifact viewer, which serves each artifact
 * on its own and would break relative links. No scripts, no network.
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
   * @param provenance what produced the results (versions, commit, date), in display order
   */
  public record Page(
      String title,
      String experimentFileName,
      String experimentFileText,
      List<String> summaryHeader,
      List<List<String>> summaryRows,
      List<Figure> figures,
      Map<String, String> provenance) {
    public Page {
      provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
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

  /** Writes {@code directory/index.html} with every figure embedded. */
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
      for (Figure f : page.figures()) {
        String src = dataUri(f.png());
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
      if (!page.provenance().isEmpty()) {
        h.append("<h2>Provenance</h2>\n<table>\n");
        page.provenance()
            .forEach(
                (k, v) ->
                    h.append("<tr><th>")
                        .append(escape(k))
                        .append("</th><td>")
                        .append(escape(v))
                        .append("</td></tr>\n"));
        h.append("</table>\n");
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

  /** The PNG as a {@code data:} URI. */
  private static String dataUri(Path png) throws IOException {
    return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(png));
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
