package io.conceptrace.runner.exec.slurm;

import io.conceptrace.runner.exec.ExecutionPlan;
import io.conceptrace.runner.exec.PlannedCell;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.Verification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where every cell of an experiment stands, from the run store (complete cells, records of failed
 * and killed attempts) and the Slurm controller (the recorded jobs' states). Slurm's word wins
 * while a job is known to it; once it forgot a job ({@code MinJobAge}), the store's records say how
 * the job ended.
 */
public final class SlurmStatus {
  /** Where a cell stands. */
  public enum Kind {
    /** Complete in the run store. */
    DONE,
    /** Its job is running. */
    RUNNING,
    /** Its job is queued (waiting for its inputs or for resources). */
    PENDING,
    /** Its most recent job ended without the cell's output (failed, cancelled, timed out). */
    FAILED,
    /** Not complete and never submitted (or its state cannot be known without Slurm). */
    MISSING
  }

  /**
   * One cell's state.
   *
   * @param job the cell's most recent job, if any
   * @param reason why it failed or waits (empty when done or running)
   * @param log the job's output file, if it exists
   */
  public record Line(
      PlannedCell cell, Kind kind, Optional<SubmittedJob> job, String reason, Optional<Path> log) {}

  private SlurmStatus() {}

  /**
   * Every cell of the plan with its state, in plan order.
   *
   * @param client the cluster, or empty where no Slurm client is installed
   */
  public static List<Line> of(
      ExecutionPlan plan, RunStore store, JobLedger ledger, Optional<SlurmClient> client) {
    Map<String, SubmittedJob> latest = ledger.latestByCell();
    Map<String, SlurmJob> states =
        client.isPresent() && !latest.isEmpty()
            ? client.get().jobs(latest.values().stream().map(SubmittedJob::jobId).toList())
            : Map.of();
    List<CellRecord> attempts = store.attempts(plan.experiment());
    List<Line> out = new ArrayList<>();
    for (PlannedCell cell : plan.cells()) {
      Optional<SubmittedJob> job = Optional.ofNullable(latest.get(cell.id()));
      Optional<Path> log = job.map(j -> Path.of(j.log())).filter(Files::isRegularFile);
      if (store.check(plan.experiment(), cell.stage(), cell.id(), Verification.QUICK).isIntact()) {
        out.add(new Line(cell, Kind.DONE, job, "", log));
        continue;
      }
      if (job.isEmpty()) {
        out.add(new Line(cell, Kind.MISSING, job, "not submitted", log));
        continue;
      }
      SubmittedJob j = job.get();
      SlurmJob s = states.get(j.jobId());
      Optional<CellRecord> attempt =
          attempts.stream()
              .filter(a -> a.cellId().equals(cell.id()))
              .filter(a -> !a.finishedAt().isBefore(j.submittedAt()))
              .reduce((a, b) -> b);
      String recorded =
          attempt
              .map(a -> a.status().name().toLowerCase(Locale.ROOT) + ": " + a.message())
              .orElse("");
      if (s != null && s.running()) {
        out.add(new Line(cell, Kind.RUNNING, job, "", log));
      } else if (s != null && s.active()) {
        out.add(new Line(cell, Kind.PENDING, job, s.describe(), log));
      } else if (s != null) {
        String why = "job " + j.jobId() + " " + s.describe();
        out.add(
            new Line(
                cell, Kind.FAILED, job, recorded.isEmpty() ? why : why + "; " + recorded, log));
      } else if (!recorded.isEmpty()) {
        out.add(new Line(cell, Kind.FAILED, job, "job " + j.jobId() + " " + recorded, log));
      } else if (client.isPresent()) {
        out.add(
            new Line(
                cell,
                Kind.FAILED,
                job,
                "job " + j.jobId() + " is no longer known to Slurm and left no output",
                log));
      } else {
        out.add(
            new Line(
                cell,
                Kind.MISSING,
                job,
                "job " + j.jobId() + ": state unknown (no Slurm client here)",
                log));
      }
    }
    return out;
  }

  /** Per-stage counts, then one line per failed cell with its reason and log. */
  public static String render(String experiment, List<Line> lines) {
    Map<String, int[]> counts = new LinkedHashMap<>();
    for (Line l : lines) {
      counts
          .computeIfAbsent(l.cell().stage(), k -> new int[Kind.values().length])[
          l.kind().ordinal()]++;
    }
    StringBuilder b = new StringBuilder();
    b.append("experiment ").append(experiment).append(": ").append(lines.size()).append(" cells\n");
    String row = "%-12s %6s %6s %8s %8s %7s %8s%n";
    b.append(
        String.format(
            Locale.ROOT, row, "stage", "cells", "done", "running", "pending", "failed", "missing"));
    int[] total = new int[Kind.values().length];
    counts.forEach(
        (stage, c) -> {
          b.append(line(row, stage, c));
          for (int i = 0; i < c.length; i++) {
            total[i] += c[i];
          }
        });
    b.append(line(row, "total", total));
    List<Line> failed = lines.stream().filter(l -> l.kind() == Kind.FAILED).toList();
    if (!failed.isEmpty()) {
      b.append("failed:\n");
      for (Line l : failed) {
        b.append("  ")
            .append(l.cell().label())
            .append(" ")
            .append(l.cell().id())
            .append(": ")
            .append(l.reason())
            .append('\n');
        b.append("    log: ")
            .append(l.log().map(Path::toString).orElse(l.job().map(SubmittedJob::log).orElse("")))
            .append(l.log().isPresent() ? "" : " (not written)")
            .append('\n');
      }
    }
    return b.toString();
  }

  private static String line(String format, String stage, int[] c) {
    int cells = 0;
    for (int n : c) {
      cells += n;
    }
    return String.format(
        Locale.ROOT,
        format,
        stage,
        cells,
        c[Kind.DONE.ordinal()],
        c[Kind.RUNNING.ordinal()],
        c[Kind.PENDING.ordinal()],
        c[Kind.FAILED.ordinal()],
        c[Kind.MISSING.ordinal()]);
  }
}
