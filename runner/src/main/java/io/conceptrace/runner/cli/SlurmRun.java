package io.conceptrace.runner.cli;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.Planner;
import io.conceptrace.runner.exec.slurm.JobLedger;
import io.conceptrace.runner.exec.slurm.SlurmClient;
import io.conceptrace.runner.exec.slurm.SlurmJob;
import io.conceptrace.runner.exec.slurm.SlurmLauncher;
import io.conceptrace.runner.exec.slurm.SlurmPreflight;
import io.conceptrace.runner.exec.slurm.SlurmStatus;
import io.conceptrace.runner.exec.slurm.SubmittedJob;
import io.conceptrace.runner.exec.slurm.TaskCommand;
import io.conceptrace.runner.stages.MatrixCell;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ctrace run --executor slurm}: plans like a local run, then submits the cells that the run
 * store does not hold as Slurm jobs (see {@link SlurmLauncher}) and returns; {@code ctrace status}
 * follows them.
 */
final class SlurmRun {
  private SlurmRun() {}

  /**
   * @param store the {@code --store} option, or {@code null}
   * @param trackingUri the {@code --tracking-uri} option, or {@code null}; passed to the jobs
   * @param wait whether to wait for the jobs to end, print the status and exit 1 unless every cell
   *     is done
   */
  /**
   * Where a submission's resolved study lives: {@code submitted/HASH.conf} in the experiment's
   * Slurm ledger directory, named by its content, so resubmitting an unchanged study reuses it.
   */
  static Path snapshotFile(JobLedger ledger, String resolved) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(resolved.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      String hash = java.util.HexFormat.of().formatHex(digest).substring(0, 16);
      return ledger
          .directory()
          .toAbsolutePath()
          .normalize()
          .resolve("submitted")
          .resolve(hash + ".conf");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Written to a temporary file and moved into place, so a job never reads half of it. */
  private static void writeSnapshot(Path snapshot, String resolved) {
    try {
      java.nio.file.Files.createDirectories(snapshot.getParent());
      if (java.nio.file.Files.exists(snapshot)) {
        return;
      }
      Path tmp = java.nio.file.Files.createTempFile(snapshot.getParent(), "snapshot", ".part");
      java.nio.file.Files.writeString(
          tmp,
          "# The study as `ctrace run --executor slurm` resolved it at submission; the jobs read"
              + " this file.\n"
              + resolved);
      java.nio.file.Files.move(
          tmp,
          snapshot,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write " + snapshot, e);
    }
  }

  static int submit(
      Experiment experiment,
      RunMatrix matrix,
      Path file,
      ExperimentOptions options,
      Path store,
      List<String> force,
      String trackingUri,
      boolean dryRun,
      boolean wait,
      SlurmClient client,
      PrintWriter out,
      PrintWriter err) {
    RunStore runs = new RunStore(store != null ? store : experiment.execution().store());
    List<String> overrides = new ArrayList<>(options.overrides);
    if (trackingUri != null) {
      // The jobs load the same file; the option travels as the setting it overrides.
      overrides.add("tracking.uri=\"" + trackingUri.replace("\"", "\\\"") + "\"");
    }
    // The jobs read the study as resolved now, not the file: editing it while they are queued
    // changes nothing they compute (the overrides are part of the snapshot).
    String resolved =
        new ExperimentLoader(
                new ExperimentLoader.Options(overrides, false, false, true), Optional.empty())
            .resolvedText(file);
    JobLedger ledger = new JobLedger(runs, matrix.experiment());
    Path snapshot = snapshotFile(ledger, resolved);
    if (!dryRun) {
      writeSnapshot(snapshot, resolved);
    }
    TaskCommand command =
        TaskCommand.ofThisJvm(
            Main.class.getName(), runs.root(), snapshot, List.of(), options.noScripts);
    Experiment.Slurm settings = experiment.execution().slurm();
    if (!dryRun) {
      SlurmPreflight.check(
          client, settings, runs.root(), command.experimentFile(), command.classPath());
    }
    ExecutionPlan plan = Planner.plan(matrix.experiment(), MatrixCell.of(matrix), runs, force);
    SlurmLauncher.Result result =
        new SlurmLauncher(client, settings, command).submit(plan, ledger, dryRun);
    if (dryRun) {
      for (Map.Entry<Path, String> s : result.scripts().entrySet()) {
        out.println("# ==> " + s.getKey() + " <==");
        out.print(s.getValue());
        out.println();
      }
      out.flush();
      err.printf(
          "ctrace: dry run: %d cell(s) cached, %d would be submitted, %d already queued%n",
          plan.cached().size(), result.cells().size(), result.queued().size());
      err.flush();
      return ExitCode.OK;
    }
    List<SubmittedJob> cells = result.cells();
    err.printf(
        "ctrace: %s on Slurm: %d cell(s) cached, %d submitted, %d already queued; store %s%n",
        matrix.experiment(),
        plan.cached().size(),
        cells.size(),
        result.queued().size(),
        runs.root());
    if (!result.submitted().isEmpty()) {
      err.printf(
          "ctrace: jobs %s..%s; job scripts and logs in %s%n",
          result.submitted().get(0).jobId(),
          result.submitted().get(result.submitted().size() - 1).jobId(),
          ledger.directory());
    }
    if (!wait) {
      err.printf("ctrace: follow with: ctrace status %s%n", file);
      err.flush();
      return ExitCode.OK;
    }
    err.flush();
    List<String> ids = ledger.jobs().stream().map(SubmittedJob::jobId).toList();
    while (client.jobs(ids).values().stream().anyMatch(SlurmJob::active)) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        err.println("ctrace: stopped waiting; the jobs go on (ctrace cancel stops them)");
        return ExitCode.RUN_FAILED;
      }
    }
    List<SlurmStatus.Line> lines =
        SlurmStatus.of(plan, runs, ledger, java.util.Optional.of(client));
    out.print(SlurmStatus.render(matrix.experiment(), lines));
    out.flush();
    return lines.stream().allMatch(l -> l.kind() == SlurmStatus.Kind.DONE)
        ? ExitCode.OK
        : ExitCode.RUN_FAILED;
  }

  /** How often {@code --wait} asks Slurm whether the jobs ended. */
  private static final java.time.Duration POLL = java.time.Duration.ofSeconds(2);
}
