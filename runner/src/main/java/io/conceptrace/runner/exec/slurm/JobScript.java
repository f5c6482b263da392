package io.conceptrace.runner.exec.slurm;

import io.conceptrace.dsl.Experiment;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders sbatch scripts. Every setting goes into {@code #SBATCH} lines, so the script alone says
 * how its job was submitted ({@code sbatch SCRIPT} is all it takes to submit it by hand).
 */
public final class JobScript {
  private JobScript() {}

  /**
   * What one job is.
   *
   * @param name {@code --job-name}
   * @param log {@code --output} (may contain {@code %j})
   * @param dependency {@code --dependency} value, empty for none
   * @param comment lines written as {@code #} comments under the shebang
   * @param command the command the job runs, one argument per element
   */
  public record Job(
      String name, String log, String dependency, List<String> comment, List<String> command) {
    public Job {
      comment = List.copyOf(comment);
      command = List.copyOf(command);
    }
  }

  /**
   * The script of a job.
   *
   * @param cellJob whether it computes a cell (gets the GPUs); the finishing job gets one core and
   *     no GPU
   */
  public static String render(Job job, Experiment.Slurm slurm, boolean cellJob) {
    List<String> lines = new ArrayList<>();
    lines.add("#!/bin/bash");
    job.comment().forEach(c -> lines.add("# " + c));
    lines.add("#SBATCH --job-name=" + job.name());
    lines.add("#SBATCH --output=" + job.log());
    slurm.partition().ifPresent(p -> lines.add("#SBATCH --partition=" + p));
    slurm.account().ifPresent(a -> lines.add("#SBATCH --account=" + a));
    slurm.time().ifPresent(t -> lines.add("#SBATCH --time=" + t));
    lines.add("#SBATCH --ntasks=1");
    lines.add("#SBATCH --cpus-per-task=" + (cellJob ? slurm.cpusPerTask() : 1));
    slurm.mem().ifPresent(m -> lines.add("#SBATCH --mem=" + m));
    if (cellJob && slurm.gpusPerTask() > 0) {
      lines.add("#SBATCH --gres=gpu:" + slurm.gpusPerTask());
    }
    if (!job.dependency().isEmpty()) {
      lines.add("#SBATCH --dependency=" + job.dependency());
      if (job.dependency().startsWith("afterok")) {
        // A job whose input failed can never run: Slurm cancels it instead of keeping it pending.
        lines.add("#SBATCH --kill-on-invalid-dep=yes");
      }
    }
    slurm.extraArgs().forEach(a -> lines.add("#SBATCH " + a));
    lines.add("set -eu");
    int cpus = cellJob ? slurm.cpusPerTask() : 1;
    // PyTorch's OpenMP and MKL pools otherwise size themselves from the node's cores, not the
    // job's, and MKL (MKL_DYNAMIC defaults to true) may shrink them under load, which changes
    // float summation order and so the results.
    lines.add(
        "export OMP_NUM_THREADS="
            + cpus
            + " MKL_NUM_THREADS="
            + cpus
            + " MKL_DYNAMIC=FALSE OMP_DYNAMIC=FALSE");
    // As the ctrace launcher does: glibc's per-thread malloc arenas otherwise keep freed libtorch
    // tensors resident several times over (docs/execution.md, "Memory").
    lines.add("export MALLOC_ARENA_MAX=\"${MALLOC_ARENA_MAX:-2}\"");
    lines.add("exec " + String.join(" ", job.command().stream().map(JobScript::quote).toList()));
    return String.join("\n", lines) + "\n";
  }

  /** Single-quotes an argument for bash unless it is plainly safe. */
  static String quote(String s) {
    if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return s;
    }
    return "'" + s.replace("'", "'\"'\"'") + "'";
  }
}
