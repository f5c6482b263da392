package io.conceptrace.runner.exec.slurm;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.Objects;

/**
 * One job ctrace submitted, as recorded in {@code STORE/EXPERIMENT/.slurm/jobs.json}.
 *
 * @param jobId Slurm's job id
 * @param kind {@link #CELL} (one cell) or {@link #FINISH} (sync and summary after the cells)
 * @param cellId the cell's id; empty for the finishing job
 * @param stage the cell's stage; empty for the finishing job
 * @param label the cell's label, e.g. {@code train-base[member=0]}
 * @param script the job script that was submitted
 * @param log the job's output file ({@code %j} replaced by the job id)
 * @param submittedAt when it was submitted
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SubmittedJob(
    String jobId,
    String kind,
    String cellId,
    String stage,
    String label,
    String script,
    String log,
    Instant submittedAt) {
  public static final String CELL = "cell";
  public static final String FINISH = "finish";

  public SubmittedJob {
    Objects.requireNonNull(jobId, "jobId");
    Objects.requireNonNull(kind, "kind");
    cellId = cellId == null ? "" : cellId;
    stage = stage == null ? "" : stage;
    label = label == null ? "" : label;
    script = script == null ? "" : script;
    log = log == null ? "" : log;
    Objects.requireNonNull(submittedAt, "submittedAt");
  }

  @JsonIgnore
  public boolean isCell() {
    return kind.equals(CELL);
  }
}
