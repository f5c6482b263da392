package io.conceptrace.runner.stages;

/**
 * Names of the files and metrics the stages exchange through the run store: what one stage's cell
 * writes and a later stage reads.
 */
public final class StageFiles {
  /**
   * train-base, import-base, retrain, lds-train: the model's checkpoint directory ({@code
   * core.train.TrainedModel} format), which probes and attribution read and {@code ctrace export}
   * converts.
   */
  public static final String MODEL = "model";

  /** attribute: training images by Eq. (1), most important first ({@code core.trak} format). */
  public static final String RANKING = "ranking.csv";

  /**
   * attribute: the attribution's reliability (second-projection and split-half Spearman and top-k
   * overlaps) and, where the concept's carriers among the training images are known, the top-100
   * enrichment; the same numbers are the cell's {@code stability.*} and {@code enrichment.*}
   * metrics.
   */
  public static final String STABILITY = "stability.json";

  /** attribute metric: Spearman ρ of the importance against a second, independent projection. */
  public static final String SEED_SPEARMAN = "stability.seed.spearman";

  /** attribute metric: top-100 overlap with the second projection's ranking. */
  public static final String SEED_TOP100 = "stability.seed.top-100";

  /** attribute metric: Spearman ρ between the ensemble's two halves. */
  public static final String SPLIT_HALF_SPEARMAN = "stability.split-half.spearman";

  /** attribute metric: top-100 rate of concept carriers over their base rate. */
  public static final String ENRICHMENT_TOP100 = "enrichment.top-100";

  /** lds-train: ids of the training images in the subset, one per line. */
  public static final String INCLUDED_IDS = "included-ids.txt";

  /** lds-probe: the probe's logits s(x) on the attribution's targets, float32, in target order. */
  public static final String TARGET_LOGITS = "target-logits.npy";

  /** lds: the linear datamodeling score, its bootstrap interval, subsets and targets. */
  public static final String LDS_JSON = "lds.json";

  /** lds metric: the linear datamodeling score (mean over targets of Spearman across subsets). */
  public static final String LDS_METRIC = "lds";

  /** lds metric: lower end of the bootstrap 95 % interval over targets. */
  public static final String LDS_CI_LOW = "lds_ci_low";

  /** lds metric: upper end of the bootstrap 95 % interval over targets. */
  public static final String LDS_CI_HIGH = "lds_ci_high";

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
