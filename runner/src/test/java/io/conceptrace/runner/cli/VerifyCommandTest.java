package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctrace plan} marks damaged cells, and {@code ctrace verify} lists them with reasons. */
class VerifyCommandTest {
  static final String PLAN = PlanDiffGoldenTest.PLAN;

  @TempDir Path store;
  private List<String> baseIds;

  @BeforeEach
  void commitBothBaseModels() throws Exception {
    CliHarness plan = CliHarness.run("plan", PLAN, "--store", store.toString());
    baseIds =
        plan.out()
            .lines()
            .filter(l -> l.matches("\\s+\\S+\\s+to run\\s+train-base m\\d"))
            .map(l -> l.strip().split("\\s+")[0])
            .toList();
    assertThat(baseIds).hasSize(2);
    RunStore runs = new RunStore(store);
    for (String id : baseIds) {
      try (CellWriter w = runs.open("golden", "train-base", id)) {
        Files.write(w.file("model/model.npz"), new byte[1000]);
        w.commit(w.recordBuilder().build());
      }
    }
  }

  @Test
  void intactCellsVerifyAndAreCached() {
    CliHarness verify = CliHarness.run("verify", PLAN, "--store", store.toString());
    assertThat(verify.exitCode()).as(verify.err()).isZero();
    assertThat(verify.out())
        .isEqualTo(
            "golden: 2 cell(s) intact, 0 damaged, 19 not computed yet (store " + store + ")\n");
    assertThat(CliHarness.run("plan", PLAN, "--store", store.toString()).out())
        .contains("21 cells, 19 to run, 2 cached")
        .doesNotContain("damaged");
  }

  @Test
  void damagedCellsAreListedWithTheirReasonAndPlanRunsThemAgain() throws Exception {
    Path first = store.resolve("golden/train-base").resolve(baseIds.get(0));
    Path second = store.resolve("golden/train-base").resolve(baseIds.get(1));
    try (RandomAccessFile f =
        new RandomAccessFile(first.resolve("model/model.npz").toFile(), "rw")) {
      f.setLength(10);
    }
    // Same size, same time: only verify's hashing can tell.
    Path model = second.resolve("model/model.npz");
    FileTime time = Files.getLastModifiedTime(model);
    byte[] garbage = new byte[1000];
    garbage[500] = 42;
    Files.write(model, garbage);
    Files.setLastModifiedTime(model, time);

    CliHarness verify = CliHarness.run("verify", PLAN, "--store", store.toString());
    assertThat(verify.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
    assertThat(verify.out().lines().filter(l -> l.startsWith("damaged ")))
        .hasSize(2)
        .contains(
            "damaged "
                + baseIds.get(0)
                + " train-base "
                + first
                + ": model/model.npz has 10 bytes, cell.json records 1000");
    assertThat(verify.out())
        .contains(
            "damaged "
                + baseIds.get(1)
                + " train-base "
                + second
                + ": model/model.npz has"
                + " SHA-256 ")
        .contains("golden: 0 cell(s) intact, 2 damaged, 19 not computed yet");

    CliHarness plan = CliHarness.run("plan", PLAN, "--store", store.toString());
    assertThat(plan.exitCode()).isZero();
    assertThat(plan.out())
        .contains("21 cells, 20 to run (1 damaged), 1 cached")
        .contains(baseIds.get(0) + "  damaged  train-base m0")
        .contains(
            "  "
                + baseIds.get(0)
                + "  train-base m0: model/model.npz has 10 bytes, cell.json records 1000");
  }
}
