package io.conceptrace.runner.exec.slurm;

import java.util.Locale;
import java.util.Set;

/**
 * What the Slurm controller says about one job ({@code scontrol show job}).
 *
 * @param id the job id
 * @param state {@code JobState}, e.g. {@code PENDING}, {@code RUNNING}, {@code CANCELLED}
 * @param reason {@code Reason}, e.g. {@code Dependency}, {@code DependencyNeverSatisfied}; {@code
 *     None} when there is none
 * @param exitCode {@code ExitCode}, {@code status:signal}
 */
public record SlurmJob(String id, String state, String reason, String exitCode) {
  private static final Set<String> ACTIVE =
      Set.of(
          "PENDING",
          "CONFIGURING",
          "RUNNING",
          "COMPLETING",
          "SUSPENDED",
          "REQUEUED",
          "REQUEUE_HOLD",
          "REQUEUE_FED",
          "RESIZING",
          "SIGNALING",
          "STAGE_OUT",
          "STOPPED");

  public SlurmJob {
    state = state.toUpperCase(Locale.ROOT);
  }

  /** Still queued or running: its cell must not be submitted again. */
  public boolean active() {
    return ACTIVE.contains(state);
  }

  public boolean running() {
    return state.equals("RUNNING") || state.equals("COMPLETING") || state.equals("CONFIGURING");
  }

  /** Ended without success: failed, cancelled, timed out, out of memory, node failure... */
  public boolean endedBadly() {
    return !active() && !state.equals("COMPLETED");
  }

  /** One line for humans: {@code CANCELLED (DependencyNeverSatisfied), exit 0:15}. */
  public String describe() {
    StringBuilder b = new StringBuilder(state);
    if (reason.equals("DependencyNeverSatisfied")) {
      b.append(" (an input's job did not succeed)");
    } else if (!reason.isEmpty() && !reason.equals("None")) {
      b.append(" (").append(reason).append(')');
    }
    if (!exitCode.isEmpty() && !exitCode.equals("0:0")) {
      b.append(", exit ").append(exitCode);
    }
    return b.toString();
  }
}
