package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the tracking for one {@code ctrace run}. The returned sink always journals the invocation
 * into the run store (so that {@code ctrace mlflow sync} can rebuild its parent run later), and
 * also logs live when a tracking server is configured.
 *
 * <pre>{@code
 * Optional<MlflowConnection> server =
 *     MlflowConnection.resolve(option, experiment.trackingUri(), System.getenv());
 * try (TrackingSink sink = Tracking.open(store, server)) {
 *   sink.startInvocation(Invocation.begin(name, experimentFile, commandLine));
 *   ...
 * }
 * }</pre>
 */
public final class Tracking {
  private static final Logger LOG = LoggerFactory.getLogger(Tracking.class);

  /** How long closing a live sink waits for uploads still in flight. */
  public static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

  private Tracking() {}

  /** Journal plus live logging when {@code server} is present; warnings go to the log. */
  public static TrackingSink open(RunStore store, Optional<MlflowConnection> server) {
    return open(store, server, LOG::warn);
  }

  /** As {@link #open(RunStore, Optional)}, with warnings sent to {@code warnings}. */
  public static TrackingSink open(
      RunStore store, Optional<MlflowConnection> server, Consumer<String> warnings) {
    TrackingSink live =
        server
            .<TrackingSink>map(c -> new LiveTrackingSink(c, warnings, DRAIN_TIMEOUT))
            .orElse(TrackingSink.none());
    return new JournalingSink(new InvocationJournal(store), live, warnings);
  }

  /** Writes the journal, then forwards to the live sink. Journal trouble is warned about once. */
  private static final class JournalingSink implements TrackingSink {
    private final InvocationJournal journal;
    private final TrackingSink next;
    private final Consumer<String> warnings;
    private final AtomicBoolean journalBroken = new AtomicBoolean();

    JournalingSink(InvocationJournal journal, TrackingSink next, Consumer<String> warnings) {
      this.journal = journal;
      this.next = next;
      this.warnings = warnings;
    }

    @Override
    public void startInvocation(Invocation invocation) {
      journal(() -> journal.start(invocation));
      next.startInvocation(invocation);
    }

    @Override
    public void cellStarted(CellStart cell) {
      next.cellStarted(cell);
    }

    @Override
    public void metric(String cellId, Metric metric) {
      next.metric(cellId, metric);
    }

    @Override
    public void cellEnded(CellRecord record, Path artifacts) {
      journal(() -> journal.cellEnded(record));
      next.cellEnded(record, artifacts);
    }

    @Override
    public void endInvocation(CellStatus status) {
      journal(() -> journal.end(status));
      next.endInvocation(status);
    }

    @Override
    public void close() {
      next.close();
    }

    private void journal(Runnable write) {
      if (journalBroken.get()) {
        return;
      }
      try {
        write.run();
      } catch (RuntimeException e) {
        if (journalBroken.compareAndSet(false, true)) {
          warnings.accept(
              "cannot journal this invocation in the run store ("
                  + e.getMessage()
                  + "); results are kept, but `ctrace mlflow sync` will group them under"
                  + " one parent run");
        }
      }
    }
  }
}
