package io.conceptrace.runner.exec.slurm;

/** A Slurm command failed; the message is one line with the command and what it printed. */
public final class SlurmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SlurmException(String message) {
    super(message);
  }
}
