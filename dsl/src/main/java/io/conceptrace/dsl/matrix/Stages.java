package io.conceptrace.dsl.matrix;

import java.util.List;

/** The stage names of the run matrix, in dependency order. */
public final class Stages {
  public static final String TRAIN_BASE = "train-base";

  /** A base model read from a checkpoint trained elsewhere ({@code model.checkpoints}). */
  public static final String IMPORT_BASE = "import-base";

  /** An activation concept's scores and threshold, from its reference model. */
  public static final String CONCEPT = "concept";

  public static final String PROBE = "probe";
  public static final String ATTRIBUTE = "attribute";

  /** A base model trained on one seeded α-subset of the training set ({@code evaluate.lds}). */
  public static final String LDS_TRAIN = "lds-train";

  /** A concept probe on one subset model, with its outputs on the attribution's targets. */
  public static final String LDS_PROBE = "lds-probe";

  /** The linear datamodeling score of one attribute cell against the subset models. */
  public static final String LDS = "lds";

  public static final String PRUNE_SET = "prune-set";
  public static final String RETRAIN = "retrain";
  public static final String REPROBE = "reprobe";
  public static final String REPORT = "report";

  public static final List<String> ORDER =
      List.of(
          IMPORT_BASE,
          TRAIN_BASE,
          CONCEPT,
          PROBE,
          ATTRIBUTE,
          LDS_TRAIN,
          LDS_PROBE,
          LDS,
          PRUNE_SET,
          RETRAIN,
          REPROBE,
          REPORT);

  private Stages() {}

  /**
   * Whether a stage's cells are the study's base models ({@code train-base} or {@code
   * import-base}): what probe and attribute cells read.
   */
  public static boolean isBaseModel(String stage) {
    return stage.equals(TRAIN_BASE) || stage.equals(IMPORT_BASE);
  }
}
