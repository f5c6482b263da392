package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code plan} and {@code diff} output compared with checked-in golden files. To accept an intended
 * change, run with {@code -Dctrace.golden.update=true} and review the diff of the files.
 */
class PlanDiffGoldenTest {
  static final Path DIR = Path.of("src/test/resources/golden");
  static final String PLAN = DIR.resolve("plan.conf").toString();
  static final String CHANGED = DIR.resolve("plan-changed.conf").toString();

  @TempDir Path store;

  static void assertGolden(String actual, String golden) throws IOException {
    Path file = DIR.resolve(golden);
    if (Boolean.getBoolean("ctrace.golden.update")) {
      Files.writeString(file, actual);
    }
    assertThat(actual).isEqualTo(Files.readString(file));
  }

  @Test
  void planText() throws IOException {
    // One base model is already in the store: plan shows it as cached.
    CliHarness first = CliHarness.run("plan", PLAN, "--store", store.toString());
    String baseId =
        first
            .out()
            .lines()
            .filter(l -> l.endsWith("train-base m0"))
            .findFirst()
            .orElseThrow()
            .strip()
            .split("\\s+")[0];
    RunStore runs = new RunStore(store);
    // Stored with the time it took: the plan's compute estimate uses it for train-base.
    try (CellWriter w = runs.open("golden", "train-base", baseId)) {
      Files.writeString(w.file("model/model.npz"), "weights");
      w.commit(w.recordBuilder().timing("total", 25.0).build());
    }

    CliHarness r = CliHarness.run("plan", PLAN, "--store", store.toString());
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertGolden(r.out(), "plan.txt");
    assertThat(r.out()).contains(baseId + "  cached  train-base m0");
    assertThat(r.out())
        .contains("train-base        1         25.0           25 s")
        .contains("probe             8            -        unknown")
        .contains("total                                    > 25 s");
  }

  @Test
  void planMarkdown() throws IOException {
    CliHarness r =
        CliHarness.run("plan", PLAN, "--format", "markdown", "--store", store.toString());
    assertThat(r.exitCode()).isZero();
    assertGolden(r.out(), "plan.md");
  }

  @Test
  void diffText() throws IOException {
    CliHarness r = CliHarness.run("diff", PLAN, CHANGED);
    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).isEmpty();
    assertGolden(r.out(), "diff.txt");
  }

  @Test
  void diffMarkdown() throws IOException {
    CliHarness r = CliHarness.run("diff", PLAN, CHANGED, "--format", "markdown");
    assertThat(r.exitCode()).isZero();
    assertGolden(r.out(), "diff.md");
  }

  @Test
  @Tag("slow") // starts git
  void diffAgainstAGitRevision(@TempDir Path repo) throws Exception {
    Path exp = repo.resolve("experiments");
    Files.createDirectories(exp.resolve("base"));
    Files.writeString(exp.resolve("base/common.conf"), "training { ensemble = 2, epochs = 1 }\n");
    String body =
        Files.readString(Path.of(PLAN)).replace("training { ensemble = 2, epochs = 1 }\n", "");
    Files.writeString(exp.resolve("x.conf"), "include \"base/common.conf\"\n" + body);
    git(repo, "init", "-q");
    git(repo, "add", ".");
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "v1");
    // Change only the included file: the diff must see the include as it was at HEAD.
    Files.writeString(exp.resolve("base/common.conf"), "training { ensemble = 2, epochs = 3 }\n");

    CliHarness r = CliHarness.run("diff", exp.resolve("x.conf").toString(), "--against", "HEAD");

    assertThat(r.err()).isEmpty();
    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .startsWith(
            "diff HEAD:"
                + exp.resolve("x.conf")
                + " -> "
                + exp.resolve("x.conf")
                + ": 0 added, 0 removed, 21 invalidated, 0 unchanged")
        .contains(
            "because training.epochs: 1 → 3: train-base 2, probe 8, attribute 4, prune-set 2, retrain 2, reprobe 2, report 1");
  }

  static void git(Path dir, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "git";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }
}
