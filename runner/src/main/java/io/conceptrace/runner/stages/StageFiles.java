package io.conceptrace.runner.stages;

/**
 * Names of the files and metrics the stages exchange through the run store: what one stage's cell
 * writes and a later stage reads.
 */
public final class StageFiles {
  /** attribute: training images by Eq. (1), most important first ({@code core.trak} format). */
  public static final String RANKING = "ranking.csv";

  /** prune-set: ids of the training images to leave out, one per line. */
  public static final String EXCLUDED_IDS = "excluded-ids.txt";

  /** probe and reprobe: the probe's accuracy on the concept's held-out examples. */
  public static final String PROBE_ACCURACY = "val.accuracy";

  /** report: the summary rows, for the end-of-run table. */
  public static final String SUMMARY = "summary.json";

  /** report: probe accuracy per concept × layer × sparsity. */
  public static final String PROBES_CSV = "probes.csv";

  /** report: each prune arm against the unpruned baseline. */
  public static final String PRUNE_ARMS_CSV = "prune-arms.csv";

  private StageFiles() {}
}
