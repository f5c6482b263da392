package io.conceptrace.runner.exec;

import io.conceptrace.dsl.cell.CellSpec;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.Metric;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Everything a {@link StageRunner} gets for one cell: the cell, where to write, its complete
 * inputs, a cancellation check, a progress reporter and a random generator seeded from the cell.
 * One context per attempt and thread.
 */
public final class CellContext {
  private final String experiment;
  private final PlannedCell cell;
  private final CellWriter writer;
  private final List<StoredCell> inputs;
  private final CancellationToken token;
  private final ExecutionListener listener;
  private final InFlightCell inFlight;
  private final Map<String, String> provenance;
  private final Instant startedAt;
  private final Random rng;

  CellContext(
      String experiment,
      PlannedCell cell,
      CellWriter writer,
      List<StoredCell> inputs,
      CancellationToken token,
      ExecutionListener listener,
      InFlightCell inFlight,
      Map<String, String> provenance,
      Instant startedAt) {
    this.experiment = experiment;
    this.cell = cell;
    this.writer = writer;
    this.inputs = List.copyOf(inputs);
    this.token = token;
    this.listener = listener;
    this.inFlight = inFlight;
    this.provenance = new ConcurrentHashMap<>(provenance);
    this.startedAt = startedAt;
    this.rng = new Random(cell.seed());
  }

  public String experiment() {
    return experiment;
  }

  public PlannedCell cell() {
    return cell;
  }

  /** The cell's typed spec, as the stage that runs it expects it. */
  public <T extends CellSpec> T spec(Class<T> type) {
    CellSpec spec = cell.spec();
    if (!type.isInstance(spec)) {
      throw new IllegalStateException(
          cell.label()
              + " has a "
              + spec.getClass().getSimpleName()
              + ", not a "
              + type.getSimpleName());
    }
    return type.cast(spec);
  }

  /**
   * Where artifacts go ({@code writer().file("weights.params")}). Publish with {@link #commit}, not
   * with the writer's own commit, so that a concurrent Ctrl-C cannot interleave with it.
   */
  public CellWriter writer() {
    return writer;
  }

  /**
   * The cell's work area in the run store (created): checkpoints kept there survive a killed or
   * failed attempt, so the next attempt of the same cell can resume from them, and are deleted when
   * the cell commits. Verify anything read from it (a kill can interrupt any write).
   */
  public Path workArea() {
    return writer.workArea();
  }

  /** A path for an artifact inside the cell (parent directories created). */
  public Path file(String relativePath) {
    return writer.file(relativePath);
  }

  /** The complete input cells, in the order of {@link PlannedCell#inputs()}. */
  public List<StoredCell> inputs() {
    return inputs;
  }

  /** The complete inputs that belong to one stage, in input order. */
  public List<StoredCell> inputs(String stage) {
    return inputs.stream().filter(c -> c.record().stage().equals(stage)).toList();
  }

  /** The single input of a stage; fails the cell if there is not exactly one. */
  public StoredCell input(String stage) {
    List<StoredCell> of = inputs(stage);
    if (of.size() != 1) {
      throw new CellFailedException(
          "expected one input of stage " + stage + ", the matrix gives " + of.size());
    }
    return of.get(0);
  }

  /**
   * A generator seeded with the cell's seed; the same on every attempt, which is what makes a
   * resumed run's numbers equal an uninterrupted run's. One stream per context: draw in a fixed
   * order.
   */
  public Random rng() {
    return rng;
  }

  public long seed() {
    return cell.seed();
  }

  public boolean isCancelled() {
    return token.isCancelled();
  }

  /** Throws {@link CellCancelledException} if the run is being stopped. */
  public void checkCancelled() {
    token.check();
  }

  /** Reports progress to the display; also a cancellation point. */
  public ProgressReporter progress() {
    return (phase, done, total) -> {
      token.check();
      listener.cellProgress(cell, phase, done, total);
    };
  }

  /** Records a metric in the cell's {@code metrics.jsonl} and tells the listeners (tracking). */
  public void metric(String name, long step, double value) {
    Metric m = new Metric(name, step, value, System.currentTimeMillis());
    writer.metric(m);
    listener.cellMetric(cell, m);
  }

  /** This cell's provenance as its record will hold it (versions, host, threads). */
  public Map<String, String> provenance() {
    return Map.copyOf(provenance);
  }

  /** Adds or overrides one provenance entry of this cell's record (e.g. a concept's classes). */
  public void provenance(String key, String value) {
    provenance.put(key, value);
  }

  /**
   * A FINISHED record pre-filled with the cell's coordinates, settings, inputs, seed, start time
   * and provenance; add timings and commit it with {@link #commit(CellRecord.Builder)}.
   */
  public CellRecord.Builder recordBuilder() {
    return CellTask.baseRecord(writer, cell, startedAt, provenance);
  }

  /** Publishes the cell with the pre-filled record. */
  public StoredCell commit() {
    return commit(recordBuilder());
  }

  /**
   * Publishes the cell atomically, adding the {@code total} timing. Throws {@link
   * CellCancelledException} if the run was stopped and the attempt already recorded as killed.
   */
  public StoredCell commit(CellRecord.Builder record) {
    Instant end = Instant.now();
    record.finishedAt(end).timing("total", Duration.between(startedAt, end).toMillis() / 1000.0);
    return inFlight
        .commit(record.build())
        .orElseThrow(() -> new CellCancelledException("stopped before the cell was published"));
  }
}
