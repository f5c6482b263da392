package io.conceptrace.store;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The provenance of one unit of work, stored as {@code cell.json}: what ran, with which resolved
 * settings and inputs, how long it took and how it ended.
 *
 * @param cellId content hash of the settings and inputs (the directory name)
 * @param experiment the experiment's name
 * @param stage the stage, e.g. {@code train-base}
 * @param coordinates the cell's place in the run matrix, e.g. {@code layer=layer3}
 * @param settings the resolved settings that affect the result (JSON-compatible values)
 * @param inputs the cell ids this cell consumed
 * @param seed the seed the cell's randomness derives from
 * @param status how it ended
 * @param message a one-line reason for FAILED/KILLED; empty when FINISHED
 * @param startedAt when work began
 * @param finishedAt when work ended
 * @param timings named durations in seconds (e.g. {@code total}, {@code featurize})
 * @param provenance versions and environment (Java, DJL, PyTorch, device, host)
 * @param files every file of a committed cell (relative path → size, SHA-256, modification time),
 *     filled in by {@link CellWriter#commit}; empty for attempts. A reader checks the files it
 *     finds against it ({@link RunStore#check}).
 */
public record CellRecord(
    String cellId,
    String experiment,
    String stage,
    Map<String, String> coordinates,
    Map<String, Object> settings,
    List<String> inputs,
    long seed,
    CellStatus status,
    String message,
    Instant startedAt,
    Instant finishedAt,
    Map<String, Double> timings,
    Map<String, String> provenance,
    Map<String, FileDigest> files) {

  public CellRecord {
    StoreNames.requireSafe("cell id", cellId);
    StoreNames.requireSafe("experiment", experiment);
    StoreNames.requireSafe("stage", stage);
    coordinates = Map.copyOf(coordinates);
    settings = Map.copyOf(settings);
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(status, "status");
    message = message == null ? "" : message;
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    timings = Map.copyOf(timings);
    provenance = Map.copyOf(provenance);
    // Records of attempts, and those written before digests existed, have none.
    files = files == null ? Map.of() : Map.copyOf(files);
  }

  /** Seconds between start and finish. */
  public double durationSeconds() {
    return (finishedAt.toEpochMilli() - startedAt.toEpochMilli()) / 1000.0;
  }

  /** Starts a record; everything but the three names has a neutral default. */
  public static Builder builder(String cellId, String experiment, String stage) {
    return new Builder(cellId, experiment, stage);
  }

  /** A copy with another status and message (e.g. to record a failed attempt). */
  public CellRecord withStatus(CellStatus newStatus, String newMessage, Instant end) {
    return new CellRecord(
        cellId,
        experiment,
        stage,
        coordinates,
        settings,
        inputs,
        seed,
        newStatus,
        newMessage,
        startedAt,
        end,
        timings,
        provenance,
        files);
  }

  /** A copy that records the committed files. */
  CellRecord withFiles(Map<String, FileDigest> committed) {
    return new CellRecord(
        cellId,
        experiment,
        stage,
        coordinates,
        settings,
        inputs,
        seed,
        status,
        message,
        startedAt,
        finishedAt,
        timings,
        provenance,
        committed);
  }

  /** Builds a {@link CellRecord}. */
  public static final class Builder {
    private final String cellId;
    private final String experiment;
    private final String stage;
    private Map<String, String> coordinates = Map.of();
    private Map<String, Object> settings = Map.of();
    private List<String> inputs = List.of();
    private long seed;
    private CellStatus status = CellStatus.FINISHED;
    private String message = "";
    private Instant startedAt = Instant.now();
    private Instant finishedAt;
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private Map<String, String> provenance = Map.of();

    private Builder(String cellId, String experiment, String stage) {
      this.cellId = cellId;
      this.experiment = experiment;
      this.stage = stage;
    }

    public Builder coordinates(Map<String, String> value) {
      this.coordinates = value;
      return this;
    }

    public Builder settings(Map<String, Object> value) {
      this.settings = value;
      return this;
    }

    public Builder inputs(List<String> value) {
      this.inputs = value;
      return this;
    }

    public Builder seed(long value) {
      this.seed = value;
      return this;
    }

    public Builder status(CellStatus value, String why) {
      this.status = value;
      this.message = why;
      return this;
    }

    public Builder startedAt(Instant value) {
      this.startedAt = value;
      return this;
    }

    public Builder finishedAt(Instant value) {
      this.finishedAt = value;
      return this;
    }

    public Builder timing(String name, double seconds) {
      this.timings.put(name, seconds);
      return this;
    }

    public Builder provenance(Map<String, String> value) {
      this.provenance = value;
      return this;
    }

    public CellRecord build() {
      Instant end = finishedAt != null ? finishedAt : Instant.now();
      return new CellRecord(
          cellId,
          experiment,
          stage,
          coordinates,
          settings,
          inputs,
          seed,
          status,
          message,
          startedAt,
          end,
          timings,
          provenance,
          Map.of());
    }
  }
}
