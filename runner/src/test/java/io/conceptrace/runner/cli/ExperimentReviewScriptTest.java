package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code .ci/experiment-review} — the script the pull-request workflow runs — on two commits
 * of a scratch repository, with this build's CLI, and checks the markdown it would post.
 */
@Tag("slow")
class ExperimentReviewScriptTest {
  static final Path SCRIPT = Path.of("../.ci/experiment-review").toAbsolutePath().normalize();
  static final String STUDY =
      String.join(
          "\n",
          "experiment { name = review, seed = 3 }",
          "data { source = synthetic, image-size = 32, train { per-class = 20 } }, attribution.projection-dim = 64",
          "model { arch = small-cnn, width = 0.5 }",
          "training { ensemble = 2, epochs = 1 }",
          "concepts { wavy { kind = classes, classes = [snake, worm] } }",
          "probes { layers = [layer2], sparsity = [dense] }",
          "prune { sizes = [10], arms = [top, random], layer = layer2, retrain-ensemble = 1 }",
          "");

  @TempDir Path repo;

  @Test
  void thePullRequestCommentValidatesAndShowsChangedSettingsAddedCellsAndTheEstimate()
      throws Exception {
    assertThat(SCRIPT).isExecutable();
    git("init", "-q");
    Files.createDirectories(repo.resolve("experiments"));
    Files.writeString(repo.resolve("experiments/study.conf"), STUDY);
    Files.writeString(repo.resolve("README.md"), "scratch\n");
    git("add", "-A");
    git("commit", "-qm", "base");
    String base = git("rev-parse", "HEAD").strip();

    // The change under review: one extra prune size, and a new file with a typo.
    Files.writeString(
        repo.resolve("experiments/study.conf"), STUDY.replace("sizes = [10]", "sizes = [10, 20]"));
    Files.writeString(
        repo.resolve("experiments/broken.conf"), STUDY.replace("epochs = 1", "epoks = 1"));
    git("add", "-A");
    git("commit", "-qm", "one more prune size");

    String md = run(base);
    assertThat(md).startsWith("<!-- ctrace-experiment-review -->\n## Experiment review\n");
    assertThat(md).contains("2 experiment file(s)");
    assertThat(md).contains("**`experiments/study.conf`**: valid.");
    assertThat(md).contains("| `prune.sizes` | `[10]` | `[10,20]` |");
    // The new size adds its prune sets, retrained models and re-probes, and changes the report.
    assertThat(md).containsPattern("<summary>added \\(\\d+: prune-set 2, retrain 2, reprobe 2\\)");
    assertThat(md).contains("**Compute estimate**").contains("| retrain | 2 | - | unknown |");
    assertThat(md).contains("**`experiments/broken.conf`**: invalid.");
    assertThat(md).containsPattern("experiments/broken.conf:\\d+: training.epoks");

    // Nothing changed: the comment says so.
    assertThat(run("HEAD")).contains("No experiment file changed against `HEAD`.");
  }

  private String run(String base) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(SCRIPT.toString(), base)
            .directory(repo.toFile())
            .redirectErrorStream(false);
    pb.environment()
        .put(
            "CTRACE",
            java
                + " -cp "
                + System.getProperty("java.class.path")
                + " io.conceptrace.runner.cli.Main");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  private String git(String... args) throws IOException, InterruptedException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of("git", "-c", "user.name=t", "-c", "user.email=t@example.org"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(repo.toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(err).isZero();
    return out;
  }
}
