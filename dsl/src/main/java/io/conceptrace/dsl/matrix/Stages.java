package io.conceptrace.dsl.matrix;

import java.util.List;

/** The stage names of the run matrix, in dependency order. */
public final class Stages {
  public static final String TRAIN_BASE = "train-base";

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
}
