package io.conceptrace.runner.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  @TempDir Path dir;

  @Test
  void writesOneSelfContainedEscapedPageWithTheTableFiguresProvenanceAndExperimentFile()
      throws Exception {
    Path report = dir.resolve("report");
    Path inside = report.resolve("fig 3.png");
    Path outside = dir.resolve("elsewhere/grid.png");
    Files.createDirectories(report);
    Files.createDirectories(outside.getParent());
    Files.write(inside, new byte[] {1});
    Files.write(outside, new byte[] {2});
    Path index =
        HtmlReport.write(
            new HtmlReport.Page(
                "quickstart <study>",
                "quickstart.conf",
                "matrix.exclude = \"\"\" cell.layer == \"layer1\" && x < 3 \"\"\"",
                List.of("stage", "cells"),
                List.of(List.of("probe", "24"), List.of("retrain", "8")),
                List.of(
                    new HtmlReport.Figure("Probe accuracy", "mean ± std", inside),
                    new HtmlReport.Figure("Top images", null, outside)),
                Map.of("ctrace", "0.1 <dev>")),
            report);
    assertThat(index).isEqualTo(report.resolve("index.html"));
    String html = Files.readString(index);
    assertThat(html)
        .contains("<title>quickstart &lt;study&gt;</title>")
        .contains("<tr><td>probe</td><td>24</td></tr>")
        // Embedded: MLflow's artifact viewer and a mailed copy have no files next to the page.
        .contains("<img src=\"data:image/png;base64,AQ==\"")
        .contains("<img src=\"data:image/png;base64,Ag==\"")
        .contains("<tr><th>ctrace</th><td>0.1 &lt;dev&gt;</td></tr>")
        .contains("mean ± std")
        .contains("cell.layer == &quot;layer1&quot; &amp;&amp; x &lt; 3")
        .doesNotContain("<study>");
    assertThat(html).doesNotContain("src=\"fig").doesNotContain("grid.png\"");
  }

  @Test
  void rowsMustMatchTheHeaderAndFiguresMustExist() {
    assertThatThrownBy(
            () ->
                new HtmlReport.Page(
                    "t", "", "", List.of("a", "b"), List.of(List.of("1")), List.of(), Map.of()))
        .hasMessageContaining("summary row has 1 cells, header 2");
    assertThatThrownBy(
            () ->
                HtmlReport.write(
                    new HtmlReport.Page(
                        "t",
                        "",
                        "",
                        List.of(),
                        List.of(),
                        List.of(new HtmlReport.Figure("f", "", dir.resolve("missing.png"))),
                        Map.of()),
                    dir.resolve("r")))
        .hasMessageContaining("missing.png");
  }
}
