package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.mlflow.tracking.MlflowClientException;

/**
 * Uploads the run store to a tracking server, idempotently (the offline-first workflow: compute
 * nodes without network write the run store, a machine with network syncs it later).
 *
 * <p>Every cell record (a committed result or a failed/killed attempt) becomes one run, found again
 * by its tags {@code ctrace.cell_id} and {@code ctrace.record}. A run is complete once it has a
 * terminal status, which sync sets last, after params, metrics and artifacts; so a run found
 * unfinished (an interrupted sync, or live logging that lost its server) is deleted and uploaded
 * again, under the same parent. Runs of each invocation journaled in the store ({@link
 * InvocationJournal}) sit under that invocation's parent run; records no journal mentions sit under
 * one parent per experiment tagged {@code ctrace.invocation_id = run-store}.
 */
public final class StoreSync {
  private final RunStore store;
  private final MlflowConnection connection;
  private final Consumer<String> progress;

  /**
   * What a sync did.
   *
   * @param experiments experiments synced
   * @param created cell runs uploaded
   * @param replaced of those, how many replaced an incomplete run
   * @param upToDate cell runs that were already complete
   * @param parents parent runs created
   * @param artifacts artifact files uploaded
   */
  public record Summary(
      int experiments, int created, int replaced, int upToDate, int parents, int artifacts) {}

  /**
   * @param progress receives one line per experiment and per uploaded run
   */
  public StoreSync(RunStore store, MlflowConnection connection, Consumer<String> progress) {
    this.store = store;
    this.connection = connection;
    this.progress = progress;
  }

  /**
   * Syncs the named experiments, or every experiment in the store when {@code experiments} is
   * empty.
   *
   * @throws IllegalArgumentException if a named experiment is not in the store
   * @throws TrackingServerException if the server fails (sync again to resume); the message is one
   *     line naming the server and the cause
   */
  public Summary sync(List<String> experiments) {
    List<String> known = store.experiments();
    List<String> chosen = experiments.isEmpty() ? known : experiments;
    for (String e : chosen) {
      if (!known.contains(e)) {
        throw new IllegalArgumentException(
            "experiment '" + e + "' has nothing in the run store " + store.root());
      }
    }
    Counts counts = new Counts();
    try (MlflowApi api = new MlflowApi(connection)) {
      for (String experiment : chosen) {
        new ExperimentSync(api, experiment, counts).run();
      }
    } catch (MlflowClientException
        | UncheckedIOException
        | IllegalStateException
        | ArtifactUploader.UnsupportedArtifactStoreException e) {
      throw new TrackingServerException(
          "sync to " + connection + " failed: " + rootMessage(e) + " (run it again to resume)", e);
    }
    return new Summary(
        chosen.size(),
        counts.created,
        counts.replaced,
        counts.upToDate,
        counts.parents,
        counts.artifacts);
  }

  /**
   * The experiment's id on the server, created if missing with the tags sync gives it (training
   * view, description): so that a UI can link to it before the first run is uploaded.
   *
   * @throws TrackingServerException if the server fails
   */
  public String experimentId(String experiment) {
    try (MlflowApi api = new MlflowApi(connection)) {
      return api.experimentId(
          experiment, latestDescription(InvocationJournal.read(store, experiment)));
    } catch (MlflowClientException | IllegalStateException e) {
      throw new TrackingServerException(
          "cannot create experiment '" + experiment + "' on " + connection + ": " + rootMessage(e),
          e);
    }
  }

  private static final class Counts {
    int created;
    int replaced;
    int upToDate;
    int parents;
    int artifacts;
  }

  /** One experiment's sync: the server's runs are listed once, then completed. */
  private final class ExperimentSync {
    private final MlflowApi api;
    private final String experiment;
    private final Counts counts;
    private final String experimentId;
    private final Map<String, MlflowApi.RemoteRun> parents = new HashMap<>();
    private final Map<String, MlflowApi.RemoteRun> cellRuns = new HashMap<>();
    private final Map<String, Deque<MlflowApi.RemoteRun>> pending = new HashMap<>();
    private final Map<String, InvocationJournal.Entry> journalByRecord = new HashMap<>();
    private final List<InvocationJournal.Entry> journal;

    ExperimentSync(MlflowApi api, String experiment, Counts counts) {
      this.api = api;
      this.experiment = experiment;
      this.counts = counts;
      this.journal = InvocationJournal.read(store, experiment);
      this.experimentId = api.experimentId(experiment, latestDescription(journal));
      // The journal is in start order and the store keeps a cell's newest result only (a
      // redrawn report, a forced or repaired cell has the same record id again): the newest
      // invocation that wrote a record is the one that made what the store holds.
      for (InvocationJournal.Entry entry : journal) {
        for (String record : entry.records()) {
          journalByRecord.put(record, entry);
        }
      }
      for (MlflowApi.RemoteRun run : api.runs(experimentId)) {
        if (TrackingTags.KIND_INVOCATION.equals(run.tag(TrackingTags.KIND))) {
          parents.putIfAbsent(run.tag(TrackingTags.INVOCATION_ID), run);
        } else if (!run.tag(TrackingTags.CELL_ID).isEmpty()) {
          String cellId = run.tag(TrackingTags.CELL_ID);
          String record = run.tag(TrackingTags.RECORD);
          if (record.equals(TrackingTags.RECORD_PENDING)) {
            pending.computeIfAbsent(cellId, k -> new ArrayDeque<>()).add(run);
          } else {
            cellRuns.merge(cellId + "/" + record, run, StoreSync::preferComplete);
          }
        }
      }
    }

    void run() {
      List<StoredCell> cells = store.cells(experiment);
      List<CellRecord> attempts = store.attempts(experiment);
      progress.accept(
          experiment
              + ": "
              + cells.size()
              + " cells, "
              + attempts.size()
              + " failed/killed attempts -> "
              + connection
              + " (experiment id "
              + experimentId
              + ")");
      for (CellRecord attempt : attempts) {
        syncRecord(attempt, null);
      }
      for (StoredCell cell : cells) {
        syncRecord(cell.record(), cell.directory());
      }
      for (InvocationJournal.Entry entry : journal) {
        // An invocation that produced nothing the store still holds (everything cached, or every
        // result replaced by a later invocation) gets no empty parent run.
        boolean owns = entry.records().stream().anyMatch(r -> journalByRecord.get(r) == entry);
        if (owns || parents.containsKey(entry.invocation().id())) {
          finishParent(parent(entry.invocation()), entry);
        }
      }
    }

    private void syncRecord(CellRecord record, Path directory) {
      String id = InvocationJournal.recordId(record);
      MlflowApi.RemoteRun existing = cellRuns.get(id);
      if (existing != null && existing.terminal()) {
        counts.upToDate++;
        return;
      }
      if (existing == null) {
        Deque<MlflowApi.RemoteRun> waiting = pending.get(record.cellId());
        existing = waiting == null ? null : waiting.poll();
      }
      String parentId;
      Invocation invocation = invocationOf(record);
      if (existing != null) {
        parentId = existing.tag(TrackingTags.PARENT_RUN_ID);
        api.deleteRun(existing.runId());
        counts.replaced++;
      } else {
        parentId = "";
      }
      if (parentId.isEmpty()) {
        parentId = parent(invocation).runId();
      }
      Map<String, String> tags =
          new LinkedHashMap<>(
              RunContent.cellTags(
                  invocation,
                  record.cellId(),
                  record.stage(),
                  record.coordinates(),
                  record.inputs()));
      tags.put(TrackingTags.PARENT_RUN_ID, parentId);
      tags.putAll(RunContent.endTags(record));
      MlflowApi.RemoteRun run =
          api.createRun(experimentId, record.startedAt().toEpochMilli(), tags);
      List<Metric> metrics = new ArrayList<>();
      if (directory != null && Files.isRegularFile(directory.resolve(RunStore.METRICS_FILE))) {
        for (Metric m : new StoredCell(directory, record).metrics()) {
          metrics.add(RunContent.metric(m));
        }
      }
      metrics.addAll(RunContent.timingMetrics(record));
      api.log(
          run.runId(),
          RunContent.params(record.coordinates(), record.settings(), record.seed()),
          Map.of(),
          metrics);
      api.logInputs(run.runId(), RunInputs.of(record));
      if (directory != null) {
        counts.artifacts += api.uploadArtifacts(run, directory);
        if (record.status() == CellStatus.FINISHED) {
          api.log(
              parentId,
              Map.of(),
              Map.of(),
              RunContent.summaryMetrics(
                  record.stage(), new StoredCell(directory, record).metrics()));
        }
      }
      api.terminate(run.runId(), record.status(), record.finishedAt().toEpochMilli());
      cellRuns.put(id, run);
      counts.created++;
      progress.accept(
          "  "
              + record.status().name().toLowerCase(Locale.ROOT)
              + " "
              + RunContent.cellRunName(record.stage(), record.coordinates())
              + " ("
              + record.cellId()
              + ")");
    }

    /** The invocation a record belongs to: its journal entry, or the experiment's store parent. */
    private Invocation invocationOf(CellRecord record) {
      InvocationJournal.Entry entry = journalByRecord.get(InvocationJournal.recordId(record));
      if (entry != null) {
        return entry.invocation();
      }
      return new Invocation(
          TrackingTags.STORE_INVOCATION,
          experiment,
          "",
          "ctrace mlflow sync (cells without an invocation journal)",
          Instant.EPOCH,
          GitState.NONE);
    }

    /** The parent run of an invocation, created (and uploaded) if missing. */
    private MlflowApi.RemoteRun parent(Invocation invocation) {
      MlflowApi.RemoteRun known = parents.get(invocation.id());
      if (known != null) {
        return known;
      }
      boolean storeParent = invocation.id().equals(TrackingTags.STORE_INVOCATION);
      long start = storeParent ? System.currentTimeMillis() : invocation.startedAt().toEpochMilli();
      MlflowApi.RemoteRun run =
          api.createRun(experimentId, start, RunContent.parentTags(invocation));
      if (!storeParent) {
        Path kept = InvocationJournal.directory(store, invocation);
        if (Files.isDirectory(kept)) {
          try (Stream<Path> files = Files.list(kept)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
              String name = f.getFileName().toString();
              if (!name.equals(InvocationJournal.FILE) && !name.startsWith(".")) {
                api.uploadArtifact(run, name, f);
                counts.artifacts++;
              }
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      } else {
        api.terminate(run.runId(), CellStatus.FINISHED, start);
      }
      parents.put(invocation.id(), run);
      counts.parents++;
      return run;
    }

    /** Gives a parent the end its invocation recorded, if the server missed it. */
    private void finishParent(MlflowApi.RemoteRun run, InvocationJournal.Entry entry) {
      if (run.terminal()) {
        return;
      }
      if (!entry.running()) {
        api.terminate(
            run.runId(), CellStatus.valueOf(entry.status()), entry.finishedAt().toEpochMilli());
      } else if (entry.abandoned()) {
        api.terminate(run.runId(), CellStatus.KILLED, System.currentTimeMillis());
      }
      // Otherwise it is still running somewhere: its own process will end it.
    }
  }

  /** The experiment's description as its latest invocation that had one recorded it. */
  private static String latestDescription(List<InvocationJournal.Entry> journal) {
    for (int i = journal.size() - 1; i >= 0; i--) {
      String d = journal.get(i).invocation().description();
      if (!d.isEmpty()) {
        return d;
      }
    }
    return "";
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage() == null || t.getMessage().isBlank() ? e.getMessage() : t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse("").strip();
  }

  private static MlflowApi.RemoteRun preferComplete(MlflowApi.RemoteRun a, MlflowApi.RemoteRun b) {
    return a.terminal() ? a : b;
  }
}
