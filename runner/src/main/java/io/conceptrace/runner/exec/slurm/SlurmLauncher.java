package io.conceptrace.runner.exec.slurm;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.PlannedCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Submits a plan to Slurm: the launcher half of Hydra's sweeper/launcher split (the {@link
 * io.conceptrace.runner.exec.Planner} decides what runs). One job per cell that the run store does
 * not hold, each depending ({@code afterok}) on the jobs of its inputs, then one finishing job
 * ({@code afterany} on all of them) that syncs to MLflow and prints the summary.
 *
 * <p>Per-cell jobs rather than one array per stage: {@code afterok} on an array waits for every
 * task of it, so one failed base model would block every probe of every member; per-cell jobs
 * follow the matrix's real edges, so a failure blocks exactly the cells that read it.
 *
 * <p>Cells whose most recent job is still queued or running are not submitted again; their
 * dependents wait on that job.
 */
public final class SlurmLauncher {
  /**
   * What a submission did.
   *
   * @param submitted the jobs submitted now (cells, then the finishing job), in order
   * @param queued cells whose earlier job is still queued or running: cell id → job id
   * @param scripts every generated script, path → text, in submission order
   */
  public record Result(
      List<SubmittedJob> submitted, Map<String, String> queued, Map<Path, String> scripts) {
    public Result {
      submitted = List.copyOf(submitted);
      queued = Map.copyOf(queued);
      scripts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scripts));
    }

    /** The cell jobs among {@link #submitted}. */
    public List<SubmittedJob> cells() {
      return submitted.stream().filter(SubmittedJob::isCell).toList();
    }
  }

  private final SlurmClient client;
  private final Experiment.Slurm settings;
  private final TaskCommand command;

  public SlurmLauncher(SlurmClient client, Experiment.Slurm settings, TaskCommand command) {
    this.client = client;
    this.settings = settings;
    this.command = command;
  }

  /**
   * Submits what the plan still needs, or with {@code dryRun} only renders the scripts (job ids
   * then show as {@code <CELL_ID>}) and submits and records nothing.
   */
  public Result submit(ExecutionPlan plan, JobLedger ledger, boolean dryRun) {
    Map<String, String> jobOf = new LinkedHashMap<>(queuedJobs(ledger, dryRun));
    Map<String, String> queued = new LinkedHashMap<>();
    List<SubmittedJob> submitted = new ArrayList<>();
    Map<Path, String> scripts = new LinkedHashMap<>();
    List<PlannedCell> toRun = plan.toRun();
    for (PlannedCell cell : toRun) {
      if (jobOf.containsKey(cell.id())) {
        queued.put(cell.id(), jobOf.get(cell.id()));
        continue;
      }
      List<String> after = new ArrayList<>();
      for (String in : cell.inputs()) {
        // Inputs that are complete in the store have no job; every other input ran before this
        // cell in the plan's order and has one.
        if (jobOf.containsKey(in) && !after.contains(jobOf.get(in))) {
          after.add(jobOf.get(in));
        }
      }
      String base = cell.stage() + "-" + cell.id();
      Path scriptFile = ledger.scripts().resolve(base + ".sbatch");
      String log = ledger.logs().resolve(base + "-%j.log").toString();
      List<String> run = new ArrayList<>(command.launcher());
      run.add("exec-cell");
      run.addAll(command.experimentOptions());
      run.addAll(List.of("--threads", Integer.toString(settings.cpusPerTask())));
      // With GPUs, Slurm sets CUDA_VISIBLE_DEVICES to the job's own: "auto" takes what it is
      // given. Without, "cpu": never touch a GPU the job was not allocated.
      run.addAll(List.of("--device", settings.gpusPerTask() > 0 ? "auto" : "cpu"));
      if (plan.replaced().contains(cell.id())) {
        run.add("--replace");
      }
      run.add(cell.id());
      JobScript.Job job =
          new JobScript.Job(
              plan.experiment() + "." + cell.stage() + "." + cell.id().substring(0, 8),
              log,
              after.isEmpty() ? "" : "afterok:" + String.join(":", after),
              List.of(
                  "ctrace cell " + cell.label() + " of experiment " + plan.experiment(),
                  "cell id " + cell.id()),
              run);
      String script = JobScript.render(job, settings, true);
      scripts.put(scriptFile, script);
      String id = dryRun ? "<" + cell.id() + ">" : submitScript(scriptFile, script, ledger);
      jobOf.put(cell.id(), id);
      SubmittedJob record =
          new SubmittedJob(
              id,
              SubmittedJob.CELL,
              cell.id(),
              cell.stage(),
              cell.label(),
              scriptFile.toString(),
              log.replace("%j", id),
              Instant.now());
      submitted.add(record);
      if (!dryRun) {
        // Recorded at once: if a later sbatch fails, the next run still knows this job.
        ledger.append(List.of(record));
      }
    }
    if (!submitted.isEmpty()) {
      List<String> all =
          toRun.stream().map(c -> jobOf.get(c.id())).distinct().collect(Collectors.toList());
      Path scriptFile = ledger.scripts().resolve("finish.sbatch");
      String log = ledger.logs().resolve("finish-%j.log").toString();
      List<String> run = new ArrayList<>(command.launcher());
      run.add("exec-finish");
      run.addAll(command.experimentOptions());
      JobScript.Job job =
          new JobScript.Job(
              plan.experiment() + ".finish",
              log,
              "afterany:" + String.join(":", all),
              List.of(
                  "ctrace: after every cell job of experiment " + plan.experiment() + ",",
                  "sync the run store to MLflow (when tracking is on) and print the summary"),
              run);
      String script = JobScript.render(job, settings, false);
      scripts.put(scriptFile, script);
      String id = dryRun ? "<finish>" : submitScript(scriptFile, script, ledger);
      SubmittedJob record =
          new SubmittedJob(
              id,
              SubmittedJob.FINISH,
              "",
              "",
              "finish",
              scriptFile.toString(),
              log.replace("%j", id),
              Instant.now());
      submitted.add(record);
      if (!dryRun) {
        ledger.append(List.of(record));
      }
    }
    return new Result(submitted, queued, scripts);
  }

  /** Cell id → job id of every cell whose most recent job is still queued or running. */
  private Map<String, String> queuedJobs(JobLedger ledger, boolean dryRun) {
    Map<String, SubmittedJob> latest = ledger.latestByCell();
    Map<String, String> out = new LinkedHashMap<>();
    if (latest.isEmpty() || (dryRun && !client.available())) {
      return out;
    }
    Map<String, SlurmJob> states =
        client.jobs(latest.values().stream().map(SubmittedJob::jobId).toList());
    latest.forEach(
        (cell, job) -> {
          SlurmJob s = states.get(job.jobId());
          if (s != null && s.active()) {
            out.put(cell, job.jobId());
          }
        });
    return out;
  }

  private String submitScript(Path file, String script, JobLedger ledger) {
    try {
      Files.createDirectories(file.getParent());
      Files.createDirectories(ledger.logs());
      Files.writeString(file, script);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the job script " + file, e);
    }
    return client.submit(file);
  }
}
