package io.conceptrace.runner.exec;

/**
 * Where the cells of a plan run: the launcher half of Hydra's sweeper/launcher split. The plan
 * (what runs, decided by {@link Planner}) and the per-cell work ({@link CellTask}) are the same for
 * every executor; an executor only decides where and when each cell's work happens and reports
 * every outcome. {@link LocalExecutor} runs cells on worker threads in this process; a cluster
 * executor would submit the plan's cells as jobs with dependencies between them, each job running
 * {@link CellTask#run} for one cell id against the shared run store.
 */
public interface Executor {
  /** A short name for logs ({@code local}, {@code slurm}). */
  String name();

  /**
   * Runs every cell of the plan that is not cached, each after its inputs, and returns every cell's
   * outcome in plan order. Returns normally when cells fail; the report says which.
   */
  RunReport execute(
      ExecutionPlan plan, CellTask task, RunPolicy policy, ExecutionListener listener);
}
