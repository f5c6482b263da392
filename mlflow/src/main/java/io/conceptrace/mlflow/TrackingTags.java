package io.conceptrace.mlflow;

/** The tag names ctrace puts on MLflow runs (and MLflow's own that it sets). */
public final class TrackingTags {
  /** The cell's content hash: how sync finds a cell's run again. */
  public static final String CELL_ID = "ctrace.cell_id";

  /** Which record of the cell a run holds: {@value #RECORD_RESULT} or {@code attempt-...}. */
  public static final String RECORD = "ctrace.record";

  public static final String RECORD_RESULT = "result";

  /** A live run whose cell has not ended (yet): sync replaces it. */
  public static final String RECORD_PENDING = "pending";

  public static final String STAGE = "ctrace.stage";
  public static final String EXPERIMENT = "ctrace.experiment";
  public static final String EXPERIMENT_FILE = "ctrace.experiment_file";
  public static final String INVOCATION_ID = "ctrace.invocation_id";
  public static final String GIT_COMMIT = "ctrace.git_commit";
  public static final String GIT_FILE_MODIFIED = "ctrace.git_file_modified";
  public static final String INPUTS = "ctrace.inputs";
  public static final String MESSAGE = "ctrace.message";
  public static final String PROVENANCE_PREFIX = "ctrace.provenance.";

  /** {@value #KIND_INVOCATION} for parent runs, {@value #KIND_CELL} for cell runs. */
  public static final String KIND = "ctrace.kind";

  public static final String KIND_INVOCATION = "invocation";
  public static final String KIND_CELL = "cell";

  /** The invocation id of the parent that holds cells no journal accounts for. */
  public static final String STORE_INVOCATION = "run-store";

  public static final String PARENT_RUN_ID = "mlflow.parentRunId";
  public static final String RUN_NAME = "mlflow.runName";
  public static final String NOTE = "mlflow.note.content";
  public static final String SOURCE_NAME = "mlflow.source.name";
  public static final String SOURCE_GIT_COMMIT = "mlflow.source.git.commit";

  /**
   * The experiment tag MLflow 3 reads to choose an experiment's page; without it a new experiment
   * opens on the GenAI (traces) view.
   */
  public static final String EXPERIMENT_KIND = "mlflow.experimentKind";

  /** {@link #EXPERIMENT_KIND}'s value for classic model training runs. */
  public static final String KIND_TRAINING = "custom_model_development";

  /** Coordinates are also run tags {@code coord.NAME}, so that the run list can filter them. */
  public static final String COORDINATE_PREFIX = "coord.";

  private TrackingTags() {}
}
