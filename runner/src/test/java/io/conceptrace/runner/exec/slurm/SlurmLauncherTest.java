package io.conceptrace.runner.exec.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.dsl.cell.ReportCellSpec;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.PlannedCell;
import io.conceptrace.store.RunStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Submission logic against a recording fake cluster: edges, cache, resume without duplicates. */
class SlurmLauncherTest {
  @TempDir Path dir;

  record Cell(String id, String stage, List<String> inputs) implements PlannedCell {
    @Override
    public Map<String, String> coordinates() {
      return Map.of();
    }

    @Override
    public Map<String, Object> settings() {
      return Map.of();
    }

    @Override
    public long seed() {
      return 0;
    }

    @Override
    public CellSpec spec() {
      return new ReportCellSpec(0);
    }
  }

  /** Numbers jobs from 100; every job stays in the state given to it (PENDING by default). */
  static final class RecordingCluster implements SlurmSafeFake {
    final Map<String, SlurmJob> jobs = new LinkedHashMap<>();
    final List<String> scripts = new ArrayList<>();

    @Override
    public String submit(Path script) {
      String id = Integer.toString(100 + jobs.size());
      try {
        scripts.add(Files.readString(script));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      jobs.put(id, new SlurmJob(id, "PENDING", "Dependency", "0:0"));
      return id;
    }

    @Override
    public Map<String, SlurmJob> jobs(Collection<String> ids) {
      Map<String, SlurmJob> out = new LinkedHashMap<>();
      ids.forEach(i -> Optional.ofNullable(jobs.get(i)).ifPresent(j -> out.put(i, j)));
      return out;
    }

    void end(String id, String state) {
      jobs.put(id, new SlurmJob(id, state, "None", "0:0"));
    }
  }

  /** The parts of a client submission does not use. */
  interface SlurmSafeFake extends SlurmClient {
    @Override
    default boolean available() {
      return true;
    }

    @Override
    default Optional<Partition> partition(String name) {
      return Optional.of(new Partition("debug", 1));
    }

    @Override
    default List<String> partitions() {
      return List.of("debug");
    }

    @Override
    default void cancel(Collection<String> ids) {}
  }

  // train a, b; probe pa <- a, pb <- b; report r <- pa, pb
  private static final List<PlannedCell> CELLS =
      List.of(
          new Cell("aaaaaaaa01", "train-base", List.of()),
          new Cell("bbbbbbbb02", "train-base", List.of()),
          new Cell("pppppppa03", "probe", List.of("aaaaaaaa01")),
          new Cell("pppppppb04", "probe", List.of("bbbbbbbb02")),
          new Cell("rrrrrrrr05", "report", List.of("pppppppa03", "pppppppb04")));

  private SlurmLauncher launcher(RecordingCluster cluster) {
    TaskCommand command =
        new TaskCommand(
            "java", List.of(), "cp", "Main", dir, dir.resolve("x.conf"), List.of(), false);
    return new SlurmLauncher(cluster, Experiment.Slurm.DEFAULTS, command);
  }

  private static ExecutionPlan plan(Set<String> cached) {
    return new ExecutionPlan("exp", CELLS, cached, Set.of());
  }

  @Test
  void jobsDependOnTheirInputsJobsAndCachedCellsAreNeverSubmitted() {
    RecordingCluster cluster = new RecordingCluster();
    JobLedger ledger = new JobLedger(new RunStore(dir), "exp");
    SlurmLauncher.Result r = launcher(cluster).submit(plan(Set.of("aaaaaaaa01")), ledger, false);
    assertThat(r.cells())
        .extracting(SubmittedJob::cellId)
        .containsExactly("bbbbbbbb02", "pppppppa03", "pppppppb04", "rrrrrrrr05");
    // a is cached: pa has no dependency; pb waits for b's job 100; r for 101 and 102.
    assertThat(cluster.scripts.get(1)).doesNotContain("--dependency");
    assertThat(cluster.scripts.get(2)).contains("#SBATCH --dependency=afterok:100\n");
    assertThat(cluster.scripts.get(3)).contains("#SBATCH --dependency=afterok:101:102\n");
    assertThat(cluster.scripts.get(4)).contains("#SBATCH --dependency=afterany:100:101:102:103\n");
    assertThat(ledger.jobs())
        .hasSize(5)
        .extracting(SubmittedJob::jobId)
        .containsExactly("100", "101", "102", "103", "104");
  }

  @Test
  void aResubmissionSkipsQueuedCellsWaitsOnThemAndRetriesEndedOnes() {
    RecordingCluster cluster = new RecordingCluster();
    JobLedger ledger = new JobLedger(new RunStore(dir), "exp");
    launcher(cluster).submit(plan(Set.of()), ledger, false); // jobs 100..105
    cluster.end("100", "COMPLETED"); // a done (the store has it: cached below)
    cluster.end("101", "CANCELLED"); // b cancelled
    cluster.end("102", "RUNNING"); // pa still running
    cluster.end("103", "CANCELLED"); // pb and r cancelled with it
    cluster.end("104", "CANCELLED");
    SlurmLauncher.Result again =
        launcher(cluster).submit(plan(Set.of("aaaaaaaa01")), ledger, false);
    assertThat(again.queued()).containsExactly(Map.entry("pppppppa03", "102"));
    assertThat(again.cells())
        .extracting(SubmittedJob::cellId)
        .containsExactly("bbbbbbbb02", "pppppppb04", "rrrrrrrr05");
    // r waits on the running pa (102) and the new pb (107).
    assertThat(cluster.scripts.get(8)).contains("#SBATCH --dependency=afterok:102:107\n");
    SlurmLauncher.Result third =
        launcher(cluster).submit(plan(Set.of("aaaaaaaa01")), ledger, false);
    assertThat(third.submitted()).isEmpty();
    assertThat(third.queued()).hasSize(4);
  }
}
