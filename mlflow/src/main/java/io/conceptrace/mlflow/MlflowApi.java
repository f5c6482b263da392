package io.conceptrace.mlflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.Page;

/**
 * The few tracking-server operations ctrace needs, over the MLflow Java client (and {@link
 * ArtifactUploader} for files). Every method may throw {@link
 * org.mlflow.tracking.MlflowClientException} (or an unchecked I/O exception for artifacts) when the
 * server cannot be reached or refuses; callers decide what that means. Not thread-safe.
 */
final class MlflowApi implements AutoCloseable {
  private static final int PAGE_SIZE = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MlflowConnection connection;
  private final MlflowClient client;
  private final ArtifactUploader artifacts;
  private final Map<String, String> experimentIds = new HashMap<>();

  MlflowApi(MlflowConnection connection) {
    this.connection = connection;
    this.client = new MlflowClient(connection.hostCreds());
    this.artifacts = new ArtifactUploader(connection);
  }

  MlflowConnection connection() {
    return connection;
  }

  /** A run as sync needs to see it. */
  record RemoteRun(
      String runId, Service.RunStatus status, String artifactUri, Map<String, String> tags) {
    String tag(String key) {
      return tags.getOrDefault(key, "");
    }

    boolean terminal() {
      return status == Service.RunStatus.FINISHED
          || status == Service.RunStatus.FAILED
          || status == Service.RunStatus.KILLED;
    }
  }

  /** The id of the experiment with this name, created if missing. */
  String experimentId(String name) {
    return experimentId(name, "");
  }

  /**
   * The id of the experiment with this name, created if missing, with the tags that make MLflow 3
   * open it on its training-runs view (not the GenAI one) and, when it has none yet, the study's
   * description (a description edited in the UI is kept).
   */
  String experimentId(String name, String description) {
    String known = experimentIds.get(name);
    if (known != null) {
      return known;
    }
    Optional<Service.Experiment> existing = find(name);
    String id;
    Map<String, String> tags = new HashMap<>();
    if (existing.isPresent()) {
      id = liveId(name, existing.get());
      existing.get().getTagsList().forEach(t -> tags.put(t.getKey(), t.getValue()));
    } else {
      try {
        id = client.createExperiment(name);
      } catch (MlflowHttpException e) {
        // Processes that start together (the Slurm jobs of one study, on a fresh server) can all
        // find no experiment and all create it; the server keeps the first and refuses the rest.
        // The others use the one that won.
        Optional<Service.Experiment> winner =
            isAlreadyExists(e) ? find(name) : Optional.<Service.Experiment>empty();
        if (winner.isEmpty()) {
          throw e;
        }
        id = liveId(name, winner.get());
      }
    }
    if (!tags.containsKey(TrackingTags.EXPERIMENT_KIND)) {
      client.setExperimentTag(id, TrackingTags.EXPERIMENT_KIND, TrackingTags.KIND_TRAINING);
    }
    if (!description.isEmpty() && !tags.containsKey(TrackingTags.NOTE)) {
      client.setExperimentTag(id, TrackingTags.NOTE, RunContent.value(description));
    }
    experimentIds.put(name, id);
    return id;
  }

  /** The experiment named {@code name}, deleted or not. */
  private Optional<Service.Experiment> find(String name) {
    // Searching rather than get-by-name: the client retries (and warns about) get-by-name's 404.
    return client
        .searchExperiments(
            "name = '" + name.replace("'", "\\'") + "'", Service.ViewType.ALL, 1, List.of())
        .getItems()
        .stream()
        .findFirst();
  }

  private String liveId(String name, Service.Experiment experiment) {
    if ("deleted".equals(experiment.getLifecycleStage())) {
      throw new IllegalStateException(
          "MLflow experiment '"
              + name
              + "' is deleted on "
              + connection
              + "; restore it in the UI or delete it permanently (mlflow gc)");
    }
    return experiment.getExperimentId();
  }

  private static boolean isAlreadyExists(MlflowHttpException e) {
    String body = e.getBodyMessage();
    return body != null && body.contains("RESOURCE_ALREADY_EXISTS");
  }

  /** Creates a run with its identifying tags already set (so it can be found if we die next). */
  RemoteRun createRun(String experimentId, long startMillis, Map<String, String> tags) {
    Service.CreateRun.Builder request =
        Service.CreateRun.newBuilder().setExperimentId(experimentId).setStartTime(startMillis);
    String name = tags.get(TrackingTags.RUN_NAME);
    if (name != null) {
      request.setRunName(name);
    }
    tags.forEach(
        (k, v) -> request.addTags(Service.RunTag.newBuilder().setKey(k).setValue(v).build()));
    Service.RunInfo info = client.createRun(request.build());
    return new RemoteRun(
        info.getRunId(), info.getStatus(), info.getArtifactUri(), Map.copyOf(tags));
  }

  /** Logs params, tags and metrics in as few log-batch calls as MLflow's limits allow. */
  void log(
      String runId, Map<String, String> params, Map<String, String> tags, List<Metric> metrics) {
    for (LogBatch batch : LogBatch.plan(params, tags, metrics)) {
      List<Service.Metric> m = new ArrayList<>(batch.metrics().size());
      for (Metric x : batch.metrics()) {
        m.add(
            Service.Metric.newBuilder()
                .setKey(x.name())
                .setValue(x.value())
                .setTimestamp(x.timestamp())
                .setStep(x.step())
                .build());
      }
      List<Service.Param> p = new ArrayList<>(batch.params().size());
      batch
          .params()
          .forEach((k, v) -> p.add(Service.Param.newBuilder().setKey(k).setValue(v).build()));
      List<Service.RunTag> t = new ArrayList<>(batch.tags().size());
      batch
          .tags()
          .forEach((k, v) -> t.add(Service.RunTag.newBuilder().setKey(k).setValue(v).build()));
      client.logBatch(runId, m, p, t);
    }
  }

  /** Logs the run's dataset inputs (MLflow's {@code runs/log-inputs}). */
  void logInputs(String runId, List<RunInputs.Dataset> datasets) {
    if (datasets.isEmpty()) {
      return;
    }
    List<Map<String, Object>> inputs = new ArrayList<>();
    for (RunInputs.Dataset d : datasets) {
      Map<String, Object> dataset = new LinkedHashMap<>();
      dataset.put("name", d.name());
      dataset.put("digest", d.digest());
      dataset.put("source_type", d.sourceType());
      dataset.put("source", d.source());
      dataset.put("schema", d.schema());
      dataset.put("profile", d.profile());
      inputs.add(
          Map.of(
              "tags",
              List.of(Map.of("key", RunInputs.CONTEXT_TAG, "value", d.context())),
              "dataset",
              dataset));
    }
    try {
      client.sendPost(
          "runs/log-inputs", JSON.writeValueAsString(Map.of("run_id", runId, "datasets", inputs)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the dataset inputs", e);
    }
  }

  void setTag(String runId, String key, String value) {
    client.setTag(runId, key, value);
  }

  void terminate(String runId, CellStatus status, long endMillis) {
    client.setTerminated(runId, Service.RunStatus.valueOf(status.name()), endMillis);
  }

  void deleteRun(String runId) {
    client.deleteRun(runId);
  }

  /** Every active run of the experiment (all pages). */
  List<RemoteRun> runs(String experimentId) {
    List<RemoteRun> out = new ArrayList<>();
    Page<Service.Run> page =
        client.searchRuns(
            List.of(experimentId), "", Service.ViewType.ACTIVE_ONLY, PAGE_SIZE, List.of());
    while (true) {
      for (Service.Run run : page.getItems()) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (Service.RunTag t : run.getData().getTagsList()) {
          tags.put(t.getKey(), t.getValue());
        }
        Service.RunInfo info = run.getInfo();
        out.add(new RemoteRun(info.getRunId(), info.getStatus(), info.getArtifactUri(), tags));
      }
      if (!page.hasNextPage()) {
        return out;
      }
      page = page.getNextPage();
    }
  }

  /**
   * Uploads every file under {@code dir} into the run's artifacts, and its figures also as MLflow
   * logged images ({@link LoggedImages}); returns the file count.
   */
  int uploadArtifacts(RemoteRun run, Path dir) {
    int n = artifacts.uploadDirectory(run.artifactUri(), dir);
    List<LoggedImages.Image> images = LoggedImages.of(dir);
    if (images.isEmpty()) {
      return n;
    }
    try {
      Path thumbnail = Files.createTempFile("ctrace-thumbnail", ".png");
      try {
        for (LoggedImages.Image image : images) {
          artifacts.upload(run.artifactUri(), image.full(), image.source());
          LoggedImages.writeCompressed(image.source(), thumbnail);
          artifacts.upload(run.artifactUri(), image.compressed(), thumbnail);
          n += 2;
        }
      } finally {
        Files.deleteIfExists(thumbnail);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write a figure's thumbnail", e);
    }
    setTag(run.runId(), LoggedImages.TAG, "true");
    return n;
  }

  /** Uploads one file into the run's artifacts under {@code name}. */
  void uploadArtifact(RemoteRun run, String name, Path file) {
    artifacts.upload(run.artifactUri(), name, file);
  }

  @Override
  public void close() {
    client.close();
  }
}
