package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Logs an invocation to a tracking server while it runs.
 *
 * <p>The study never waits for the server: calls only put an event on a queue, and one background
 * thread talks to the server. The MLflow Java client sets no network timeouts, so a hung server
 * could otherwise stall training. When anything goes wrong (server unreachable, stopped mid-run, an
 * error answer, the queue overflowing), the sink warns once, stops talking to the server for the
 * rest of the invocation and drops what remains: the run store has every result, and {@code ctrace
 * mlflow sync} uploads whatever is missing later. {@link #close()} waits at most a bounded time for
 * pending uploads.
 */
public final class LiveTrackingSink implements TrackingSink {
  private static final int QUEUE_CAPACITY = 100_000;
  private static final int MAX_METRICS_PER_CALL = LogBatch.MAX_ITEMS;

  private final MlflowConnection connection;
  private final Consumer<String> warnings;
  private final Duration drainTimeout;
  // Unbounded so that the stop marker always fits; offer() enforces QUEUE_CAPACITY for events.
  private final BlockingQueue<Event> queue = new LinkedBlockingQueue<>();
  private final AtomicBoolean broken = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread worker;

  // State below is touched only by the worker thread.
  private MlflowApi api;
  private Invocation invocation;
  private String experimentId;
  private MlflowApi.RemoteRun parent;
  private final Map<String, MlflowApi.RemoteRun> cellRuns = new HashMap<>();

  private sealed interface Event {}

  private record Start(Invocation invocation) implements Event {}

  private record CellBegin(CellStart cell, long at) implements Event {}

  private record MetricEvent(String cellId, Metric metric) implements Event {}

  private record CellEnd(CellRecord record, Path artifacts) implements Event {}

  private record End(CellStatus status, long at) implements Event {}

  private record Stop() implements Event {}

  /**
   * @param warnings receives the one warning (e.g. the logger's {@code warn})
   * @param drainTimeout how long {@link #close()} waits for pending uploads
   */
  public LiveTrackingSink(
      MlflowConnection connection, Consumer<String> warnings, Duration drainTimeout) {
    this.connection = connection;
    this.warnings = warnings;
    this.drainTimeout = drainTimeout;
    this.worker = new Thread(this::work, "ctrace-mlflow");
    worker.setDaemon(true); // never keeps the JVM alive; close() already waited as long as allowed
    worker.start();
  }

  /** Whether live logging gave up (after its one warning). */
  public boolean broken() {
    return broken.get();
  }

  @Override
  public void startInvocation(Invocation invocation) {
    offer(new Start(invocation));
  }

  @Override
  public void cellStarted(CellStart cell) {
    offer(new CellBegin(cell, System.currentTimeMillis()));
  }

  @Override
  public void metric(String cellId, Metric metric) {
    offer(new MetricEvent(cellId, metric));
  }

  @Override
  public void cellEnded(CellRecord record, Path artifacts) {
    offer(new CellEnd(record, artifacts));
  }

  @Override
  public void endInvocation(CellStatus status) {
    offer(new End(status, System.currentTimeMillis()));
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    queue.add(new Stop());
    try {
      worker.join(drainTimeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      fail("uploads did not finish within " + drainTimeout.toSeconds() + " s");
      worker.interrupt();
    }
  }

  private void offer(Event event) {
    if (broken.get() || closed.get()) {
      return;
    }
    if (queue.size() >= QUEUE_CAPACITY) {
      fail("the tracking server cannot keep up (" + QUEUE_CAPACITY + " events waiting)");
      return;
    }
    queue.add(event);
  }

  private void work() {
    try {
      while (true) {
        Event event = queue.take();
        if (event instanceof Stop) {
          return;
        }
        if (broken.get()) {
          continue; // drain without talking to the server
        }
        try {
          handle(event);
        } catch (RuntimeException e) {
          fail(describe(e));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (api != null) {
        api.close();
      }
    }
  }

  private void handle(Event event) {
    if (event instanceof Start s) {
      start(s.invocation());
    } else if (event instanceof CellBegin c) {
      cellBegin(c.cell(), c.at());
    } else if (event instanceof MetricEvent m) {
      metrics(m);
    } else if (event instanceof CellEnd c) {
      cellEnd(c.record(), c.artifacts());
    } else if (event instanceof End e) {
      requireStarted();
      if (parent != null) {
        api.terminate(parent.runId(), e.status(), e.at());
      }
    }
  }

  private void start(Invocation inv) {
    invocation = inv;
    api = new MlflowApi(connection);
    experimentId = api.experimentId(inv.experiment(), inv.description());
  }

  /**
   * The parent run, created with the first cell that runs: a rerun that finds everything cached
   * leaves no empty parent behind.
   */
  private MlflowApi.RemoteRun parent() {
    if (parent == null) {
      parent =
          api.createRun(
              experimentId,
              invocation.startedAt().toEpochMilli(),
              RunContent.parentTags(invocation));
      if (!invocation.experimentFile().isEmpty()) {
        Path file = Path.of(invocation.experimentFile());
        if (Files.isRegularFile(file)) {
          api.uploadArtifact(parent, file.getFileName().toString(), file);
        }
      }
    }
    return parent;
  }

  private void cellBegin(CellStart cell, long at) {
    requireStarted();
    MlflowApi.RemoteRun parent = parent();
    Map<String, String> tags =
        new LinkedHashMap<>(
            RunContent.cellTags(
                invocation, cell.cellId(), cell.stage(), cell.coordinates(), cell.inputs()));
    tags.put(TrackingTags.PARENT_RUN_ID, parent.runId());
    tags.put(TrackingTags.RECORD, TrackingTags.RECORD_PENDING);
    MlflowApi.RemoteRun run = api.createRun(experimentId, at, tags);
    api.log(
        run.runId(),
        RunContent.params(cell.coordinates(), cell.settings(), cell.seed()),
        Map.of(),
        List.of());
    cellRuns.put(cell.cellId(), run);
  }

  /** Sends this metric and those queued right behind it in one call per cell. */
  private void metrics(MetricEvent first) {
    List<MetricEvent> batch = new ArrayList<>();
    batch.add(first);
    while (batch.size() < MAX_METRICS_PER_CALL && queue.peek() instanceof MetricEvent) {
      batch.add((MetricEvent) queue.poll()); // only this thread takes from the queue
    }
    Map<String, List<Metric>> byCell =
        batch.stream()
            .collect(
                Collectors.groupingBy(
                    MetricEvent::cellId,
                    LinkedHashMap::new,
                    Collectors.mapping(m -> RunContent.metric(m.metric()), Collectors.toList())));
    for (Map.Entry<String, List<Metric>> e : byCell.entrySet()) {
      MlflowApi.RemoteRun run = cellRuns.get(e.getKey());
      if (run == null) {
        throw new IllegalStateException("metric for cell " + e.getKey() + " before cellStarted");
      }
      api.log(run.runId(), Map.of(), Map.of(), e.getValue());
    }
  }

  private void cellEnd(CellRecord record, Path artifacts) {
    requireStarted();
    MlflowApi.RemoteRun run = cellRuns.remove(record.cellId());
    if (run == null) {
      // The executor reported the end only (e.g. a cell that failed before it started).
      cellBegin(
          new CellStart(
              record.cellId(),
              record.stage(),
              record.coordinates(),
              record.settings(),
              record.inputs(),
              record.seed()),
          record.startedAt().toEpochMilli());
      run = cellRuns.remove(record.cellId());
    }
    api.log(run.runId(), Map.of(), RunContent.endTags(record), RunContent.timingMetrics(record));
    api.logInputs(run.runId(), RunInputs.of(record));
    if (artifacts != null && Files.isDirectory(artifacts)) {
      api.uploadArtifacts(run, artifacts);
      if (record.status() == CellStatus.FINISHED) {
        List<Metric> summary =
            RunContent.summaryMetrics(record.stage(), new StoredCell(artifacts, record).metrics());
        api.log(parent().runId(), Map.of(), Map.of(), summary);
      }
    }
    api.terminate(run.runId(), record.status(), record.finishedAt().toEpochMilli());
  }

  private void requireStarted() {
    if (invocation == null) {
      throw new IllegalStateException("startInvocation was not called");
    }
  }

  private void fail(String reason) {
    if (broken.compareAndSet(false, true)) {
      queue.clear();
      if (closed.get()) {
        queue.offer(new Stop());
      }
      warnings.accept(
          "MLflow live logging to "
              + connection
              + " stopped: "
              + reason
              + ". The run continues and every result is in the run store;"
              + " run `ctrace mlflow sync` to upload what is missing.");
    }
  }

  /** The deepest cause's first line (e.g. "Connection refused"), with the top-level message. */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String top = firstLine(e);
    String deepest = firstLine(root);
    if (deepest.isEmpty()) {
      deepest = root.getClass().getSimpleName();
    }
    return top.isEmpty() || top.contains(deepest) ? deepest : top + " (" + deepest + ")";
  }

  private static String firstLine(Throwable t) {
    String m = t.getMessage();
    return m == null ? "" : m.lines().findFirst().orElse("").strip();
  }
}
