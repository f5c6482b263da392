package io.conceptrace.dsl.matrix;

import java.util.List;

/** The stage names of the run matrix, in dependency order. */
public final class Stages {
  public static final String TRAIN_BASE = "train-base";
  public static final String PROBE = "probe";
  public static final String ATTRIBUTE = "attribute";
  public static final String PRUNE_SET = "prune-set";
  public static final String RETRAIN = "retrain";
  public static final String REPROBE = "reprobe";
  public static final String REPORT = "report";

  public static final List<String> ORDER =
      List.of(TRAIN_BASE, PROBE, ATTRIBUTE, PRUNE_SET, RETRAIN, REPROBE, REPORT);

  private Stages() {}
}
