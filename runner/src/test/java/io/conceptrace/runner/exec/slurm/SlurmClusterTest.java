package io.conceptrace.runner.exec.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.conceptrace.core.io.Npy;
import io.conceptrace.runner.cli.CliHarness;
import io.conceptrace.runner.cli.ExitCode;
import io.conceptrace.store.CellClaims;
import io.conceptrace.store.Json;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Slurm executor against a real cluster ({@code .ci/slurm-up} starts a single-node one): the
 * study's jobs compute the same cells and numbers as a local run; a job cancelled with {@code
 * scancel} shows as failed in {@code ctrace status}, and the next {@code ctrace run} submits
 * exactly the missing cells, never a queued one twice. Skipped only where {@code sbatch} is not
 * installed.
 *
 * <p>The jobs run {@code java} with this JVM's class path, so they run the code under test.
 */
@Tag("slow")
class SlurmClusterTest {
  private static final Path STUDY = SlurmDryRunTest.STUDY;
  private static final String EXPERIMENT = "slurm-tiny";
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final SlurmCommands SLURM = SlurmCommands.fromEnvironment();

  @TempDir Path dir;

  @BeforeAll
  static void needsSlurm() {
    assumeTrue(
        SLURM.available(),
        "sbatch is not on the PATH: no Slurm cluster here (CI starts one with .ci/slurm-up)");
  }

  @Test
  void jobsComputeTheLocalNumbersAndAScancelledCellIsResubmittedAlone() throws Exception {
    Path local = dir.resolve("local");
    Path cluster = dir.resolve("cluster");

    // The local baseline runs as `ctrace run` does, in its own JVM (same java and class path as
    // the jobs), with the jobs' one thread per cell; meanwhile the cluster works.
    Path localLog = dir.resolve("local.log");
    List<String> localRun = new ArrayList<>(localLauncher());
    localRun.addAll(
        List.of(
            "run",
            STUDY.toString(),
            "--store",
            local.toString(),
            "--jobs",
            "1",
            "--threads",
            "1",
            "--progress",
            "log"));
    ProcessBuilder localBuilder = new ProcessBuilder(localRun);
    // As in the job scripts: native thread pools of the cell's size (see JobScript).
    localBuilder.environment().put("OMP_NUM_THREADS", "1");
    localBuilder.environment().put("MKL_NUM_THREADS", "1");
    Process localProcess =
        localBuilder.redirectErrorStream(true).redirectOutput(localLog.toFile()).start();

    // The first train-base job is cancelled while it runs. Its cell takes about a second to
    // compute, so cancelling "as soon as it runs" raced the job and lost on a loaded machine (the
    // cell was committed before the signal came). Instead this test holds the cell's claim, as a
    // second run computing it would: the job runs and waits for the claim, and cannot commit.
    String victimCell = trainBaseCells(cluster).get(0);
    Set<String> missing;
    try (CellClaims claims = holdClaims(cluster, List.of(victimCell))) {
      CliHarness submitted =
          slurm("run", STUDY.toString(), "--executor", "slurm", "--store", cluster.toString());
      assertThat(submitted.exitCode()).as(submitted.err()).isEqualTo(ExitCode.OK);
      assertThat(submitted.err()).contains("6 submitted, 0 already queued");
      JobLedger ledger = new JobLedger(new RunStore(cluster), EXPERIMENT);
      SubmittedJob victim = ledger.jobs().get(0);
      assertThat(victim.stage()).isEqualTo("train-base");
      assertThat(victim.cellId()).isEqualTo(victimCell);
      awaitState(victim.jobId(), "RUNNING");
      assertThat(claims.owner("train-base", victimCell))
          .as("the running job waits for this JVM's claim")
          .hasValueSatisfying(o -> assertThat(o.pid()).isEqualTo(ProcessHandle.current().pid()));
      SLURM.cancel(List.of(victim.jobId()));
      awaitIdle(ledger);
      assertThat(Path.of(victim.log())).as("the cancelled job ran").exists();
      missing = incomplete(cluster);
    }
    JobLedger ledger = new JobLedger(new RunStore(cluster), EXPERIMENT);
    SubmittedJob victim = ledger.jobs().get(0);

    CliHarness status = slurm("status", STUDY.toString(), "--store", cluster.toString());
    assertThat(status.out())
        .contains(victim.label() + " " + victim.cellId() + ": job " + victim.jobId() + " CANCELLED")
        .contains("log: " + victim.log());
    assertThat(missing).contains(victim.cellId()).hasSizeLessThan(6);
    assertThat(totals(status.out())).as(status.out()).containsEntry("failed", missing.size());

    // Resume: exactly the missing cells are submitted, and a second run duplicates nothing.
    int before = ledger.jobs().size();
    CliHarness resumed =
        slurm("run", STUDY.toString(), "--executor", "slurm", "--store", cluster.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isEqualTo(ExitCode.OK);
    List<SubmittedJob> again = ledger.jobs().subList(before, ledger.jobs().size());
    assertThat(again.stream().filter(SubmittedJob::isCell).map(SubmittedJob::cellId))
        .containsExactlyInAnyOrderElementsOf(missing);
    // Again, with --wait: submits nothing, returns when the jobs ended, with the status table.
    CliHarness done =
        slurm(
            "run",
            STUDY.toString(),
            "--executor",
            "slurm",
            "--store",
            cluster.toString(),
            "--wait");
    assertThat(done.err()).contains("0 submitted, " + missing.size() + " already queued");
    assertThat(ledger.jobs()).hasSize(before + again.size());
    assertThat(done.exitCode()).as(done.out() + done.err()).isEqualTo(ExitCode.OK);
    assertThat(totals(done.out()))
        .as(done.out())
        .containsEntry("done", 6)
        .containsEntry("failed", 0);
    assertThat(SLURM.jobs(ledger.jobs().stream().map(SubmittedJob::jobId).toList()).values())
        .noneMatch(SlurmJob::active);
    String finishLog = Files.readString(Path.of(again.get(again.size() - 1).log()));
    assertThat(finishLog).contains("report: ").contains("mlflow sync: skipped");

    assertThat(localProcess.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(localProcess.exitValue()).as(Files.readString(localLog)).isZero();
    assertSameResults(new RunStore(local), new RunStore(cluster));
  }

  @Test
  void jobsLogLiveToAReachableMlflowServer() throws Exception {
    String uri = System.getenv("CTRACE_TEST_MLFLOW_URI");
    assumeTrue(uri != null, "CTRACE_TEST_MLFLOW_URI is not set: no MLflow server for this test");
    Path store = dir.resolve("tracked");
    CliHarness r =
        slurm(
            "run",
            STUDY.toString(),
            "--executor",
            "slurm",
            "--store",
            store.toString(),
            "--set",
            "tracking.enabled=true",
            "--set",
            "tracking.uri=\"" + uri + "\"");
    assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.OK);
    JobLedger ledger = new JobLedger(new RunStore(store), EXPERIMENT);
    awaitIdle(ledger);
    List<SubmittedJob> jobs = ledger.jobs();
    String finishLog = Files.readString(Path.of(jobs.get(jobs.size() - 1).log()));
    // Every cell was logged by its own job while it ran, so the final sync finds all six.
    assertThat(finishLog)
        .as(() -> "finish log; the cell jobs' logs:\n" + jobLogs(jobs))
        .contains("created=0")
        .contains("upToDate=6");
  }

  @Test
  void cancelStopsEveryQueuedAndRunningJob() throws Exception {
    Path store = dir.resolve("cancelled");
    JobLedger ledger = new JobLedger(new RunStore(store), EXPERIMENT);
    List<String> ids;
    // Jobs that already ended on their own are not cancelled again. So that none can end here,
    // this test holds both train-base cells' claims: their jobs run and wait, the rest depend on
    // them. (A train-base job takes seconds; under load one ended before the cancel.)
    List<String> trainBase = trainBaseCells(store);
    try (CellClaims claims = holdClaims(store, trainBase)) {
      CliHarness r =
          slurm("run", STUDY.toString(), "--executor", "slurm", "--store", store.toString());
      assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.OK);
      ids = ledger.jobs().stream().map(SubmittedJob::jobId).toList();
      CliHarness cancel = slurm("cancel", STUDY.toString(), "--store", store.toString());
      assertThat(cancel.exitCode()).as(cancel.err()).isEqualTo(ExitCode.OK);
      assertThat(cancel.out()).startsWith("cancelled 7 job(s): " + String.join(" ", ids));
      awaitIdle(ledger);
      assertThat(trainBase)
          .allSatisfy(id -> assertThat(claims.owner("train-base", id)).isPresent());
    }
    assertThat(SLURM.jobs(ids).values())
        .allSatisfy(j -> assertThat(j.state()).isEqualTo("CANCELLED"));
    CliHarness status = slurm("status", STUDY.toString(), "--store", store.toString());
    assertThat(totals(status.out()))
        .as(status.out())
        .containsEntry("done", 0)
        .containsEntry("failed", 6);
  }

  @Test
  void anUnknownPartitionIsAOneLineInputError() {
    CliHarness r =
        slurm(
            "run",
            STUDY.toString(),
            "--executor",
            "slurm",
            "--store",
            dir.resolve("runs").toString(),
            "--set",
            "execution.slurm.partition=no-such-partition");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err().strip())
        .startsWith("ctrace: error: execution.slurm.partition: no partition 'no-such-partition'")
        .doesNotContain("\n");
  }

  /** The cell ids of the study's train-base jobs (m0 first), from a dry run (submits nothing). */
  private static List<String> trainBaseCells(Path store) {
    CliHarness dry =
        slurm(
            "run",
            STUDY.toString(),
            "--executor",
            "slurm",
            "--dry-run",
            "--store",
            store.toString());
    assertThat(dry.exitCode()).as(dry.err()).isEqualTo(ExitCode.OK);
    Matcher m =
        Pattern.compile("# ctrace cell train-base m\\d+ of .*\n# cell id (\\w+)")
            .matcher(dry.out());
    List<String> ids = new ArrayList<>();
    while (m.find()) {
      ids.add(m.group(1));
    }
    assertThat(ids).as(dry.out()).hasSize(2);
    return ids;
  }

  /** Claims cells in a store for this JVM, as another run computing them would. */
  private static CellClaims holdClaims(Path store, List<String> trainBaseCells) {
    CellClaims claims =
        new CellClaims(
            new RunStore(store), EXPERIMENT, CellClaims.HEARTBEAT, CellClaims.STALE_AFTER);
    for (String id : trainBaseCells) {
      assertThat(claims.tryClaim("train-base", id)).as(id).isPresent();
    }
    return claims;
  }

  private List<String> localLauncher() {
    return TaskCommand.ofThisJvm(
            io.conceptrace.runner.cli.Main.class.getName(), dir, STUDY, List.of(), false)
        .launcher();
  }

  private static CliHarness slurm(String... args) {
    return CliHarness.run(args);
  }

  /** Same cells in both stores; per cell the same non-timing metrics and the same result files. */
  private static void assertSameResults(RunStore local, RunStore cluster) throws IOException {
    Map<String, StoredCell> a = byId(local.cells(EXPERIMENT));
    Map<String, StoredCell> b = byId(cluster.cells(EXPERIMENT));
    assertThat(b.keySet()).hasSize(6).isEqualTo(a.keySet());
    for (String id : a.keySet()) {
      assertThat(metrics(b.get(id).directory()))
          .as("metrics of %s", a.get(id).record().stage())
          .isEqualTo(metrics(a.get(id).directory()));
    }
    assertThat(
            a.values().stream()
                .filter(c -> c.record().stage().equals("probe"))
                .map(c -> c.directory())
                .toList())
        .as("probe cells with metrics")
        .hasSize(2)
        .allSatisfy(d -> assertThat(metrics(d)).containsKey("val.accuracy@4"));
    for (String file : List.of("ranking.csv", "scores.npy", "summary.json", "probe/cav.npy")) {
      for (String id : a.keySet()) {
        Path fa = a.get(id).directory().resolve(file);
        if (Files.exists(fa)) {
          Path fb = b.get(id).directory().resolve(file);
          assertThat(fb)
              .as(() -> file + " of " + a.get(id).record().stage() + " " + firstDifference(fa, fb))
              .hasSameBinaryContentAs(fa);
        }
      }
    }
  }

  /**
   * Where two result files first differ, for the failure message: the first differing line of a
   * text file, or the largest difference of the values of an .npy file. This test has failed rarely
   * and not reproducibly on a loaded 2-core machine; the message is what is left to read.
   */
  private static String firstDifference(Path local, Path cluster) {
    try {
      if (local.toString().endsWith(".npy")) {
        double[] x = Npy.readFloat64(local);
        double[] y = Npy.readFloat64(cluster);
        double max = 0;
        int at = -1;
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
          double d = Math.abs(x[i] - y[i]);
          if (d > max) {
            max = d;
            at = i;
          }
        }
        return String.format(
            "(%d vs %d values; largest difference %.3g at %d)", x.length, y.length, max, at);
      }
      List<String> x = Files.readAllLines(local);
      List<String> y = Files.readAllLines(cluster);
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        if (!x.get(i).equals(y.get(i))) {
          return "(line " + (i + 1) + ": local '" + x.get(i) + "', cluster '" + y.get(i) + "')";
        }
      }
      return "(" + x.size() + " vs " + y.size() + " lines)";
    } catch (IOException | RuntimeException e) {
      return "(not compared: " + e + ")";
    }
  }

  private static Map<String, StoredCell> byId(List<StoredCell> cells) {
    return cells.stream()
        .collect(Collectors.toMap(c -> c.record().cellId(), c -> c, (x, y) -> x, TreeMap::new));
  }

  /** name@step → value, without measurements of speed (they differ between any two runs). */
  private static Map<String, Double> metrics(Path cell) {
    Path file = cell.resolve(RunStore.METRICS_FILE);
    Map<String, Double> out = new TreeMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    for (String line : readLines(file)) {
      JsonNode m;
      try {
        m = Json.mapper().readTree(line);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      String name = m.get("name").asText();
      if (!name.contains("second")) {
        out.put(name + "@" + m.get("step").asLong(), m.get("value").asDouble());
      }
    }
    return out;
  }

  /** Every job's log, tracking lines and warnings only, for a failure message. */
  private static String jobLogs(List<SubmittedJob> jobs) {
    StringBuilder out = new StringBuilder();
    for (SubmittedJob job : jobs) {
      out.append("== ").append(job.log()).append('\n');
      for (String line : readLines(Path.of(job.log()))) {
        if (line.contains("WARN") || line.contains("ERROR") || line.contains("mlflow")) {
          out.append(line).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Set<String> incomplete(Path store) {
    JobLedger ledger = new JobLedger(new RunStore(store), EXPERIMENT);
    RunStore runs = new RunStore(store);
    return ledger.latestByCell().values().stream()
        .filter(j -> !runs.isComplete(EXPERIMENT, j.stage(), j.cellId()))
        .map(SubmittedJob::cellId)
        .collect(Collectors.toSet());
  }

  /** The "total" row of the status table, by column. */
  private static Map<String, Integer> totals(String status) {
    String[] header =
        status
            .lines()
            .filter(l -> l.startsWith("stage"))
            .findFirst()
            .orElseThrow()
            .trim()
            .split("\\s+");
    String[] total =
        status
            .lines()
            .filter(l -> l.startsWith("total"))
            .findFirst()
            .orElseThrow()
            .trim()
            .split("\\s+");
    Map<String, Integer> out = new TreeMap<>();
    for (int i = 1; i < header.length; i++) {
      out.put(header[i], Integer.parseInt(total[i]));
    }
    return out;
  }

  private static void awaitState(String jobId, String state) throws InterruptedException {
    Instant end = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(end)) {
      SlurmJob job = SLURM.jobs(List.of(jobId)).get(jobId);
      if (job != null && job.state().equals(state)) {
        return;
      }
      assertThat(job == null || job.active())
          .as("job %s ended before reaching %s", jobId, state)
          .isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("job " + jobId + " did not reach " + state + " in " + WAIT);
  }

  /** Waits until none of the recorded jobs is queued or running. */
  private static void awaitIdle(JobLedger ledger) throws InterruptedException {
    Instant end = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(end)) {
      List<String> ids = ledger.jobs().stream().map(SubmittedJob::jobId).toList();
      if (SLURM.jobs(ids).values().stream().noneMatch(SlurmJob::active)) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("the Slurm jobs did not finish in " + WAIT);
  }
}
