package io.conceptrace.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The tracking server's REST API as the tests query it: independent of the code under test. */
public final class MlflowRest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  public MlflowRest(String base) {
    this.base = base;
  }

  public JsonNode post(String path, Object body) {
    try {
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(base + "/api/2.0/mlflow/" + path))
              .header("Content-Type", "application/json")
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
              .build();
      return parse(http.send(r, HttpResponse.BodyHandlers.ofString()), path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public JsonNode get(String path, Map<String, String> query) {
    return parseText(getRaw(base + "/api/2.0/mlflow/" + path + "?" + encode(query)), path);
  }

  /** A file from the run's proxied artifacts. */
  public String artifact(String experimentId, String runId, String relativePath) {
    return getRaw(
        base
            + "/api/2.0/mlflow-artifacts/artifacts/"
            + experimentId
            + "/"
            + runId
            + "/artifacts/"
            + relativePath);
  }

  /** The paths of the run's artifacts directly under {@code path} (MLflow's artifacts/list). */
  public List<String> artifactPaths(String runId, String path) {
    List<String> out = new ArrayList<>();
    get("artifacts/list", Map.of("run_id", runId, "path", path))
        .path("files")
        .forEach(f -> out.add(f.path("path").asText()));
    return out;
  }

  /** The experiment's id, or null when it does not exist. */
  public String experimentId(String name) {
    try {
      return get("experiments/get-by-name", Map.of("experiment_name", name))
          .path("experiment")
          .path("experiment_id")
          .asText();
    } catch (IllegalStateException e) {
      if (e.getMessage().contains("RESOURCE_DOES_NOT_EXIST")) {
        return null;
      }
      throw e;
    }
  }

  /** The experiment's tags. */
  public Map<String, String> experimentTags(String experimentId) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    get("experiments/get", Map.of("experiment_id", experimentId))
        .path("experiment")
        .path("tags")
        .forEach(t -> out.put(t.path("key").asText(), t.path("value").asText()));
    return out;
  }

  /** Every active run of the experiment matching {@code filter}. */
  public List<JsonNode> runs(String experimentId, String filter) {
    List<JsonNode> out = new ArrayList<>();
    String token = "";
    do {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("experiment_ids", List.of(experimentId));
      body.put("filter", filter);
      body.put("max_results", 1000);
      if (!token.isEmpty()) {
        body.put("page_token", token);
      }
      JsonNode page = post("runs/search", body);
      page.path("runs").forEach(out::add);
      token = page.path("next_page_token").asText("");
    } while (!token.isEmpty());
    return out;
  }

  public static String tag(JsonNode run, String key) {
    for (JsonNode t : run.path("data").path("tags")) {
      if (t.path("key").asText().equals(key)) {
        return t.path("value").asText();
      }
    }
    return null;
  }

  public static Map<String, String> params(JsonNode run) {
    Map<String, String> out = new LinkedHashMap<>();
    run.path("data")
        .path("params")
        .forEach(p -> out.put(p.path("key").asText(), p.path("value").asText()));
    return out;
  }

  /** A metric's full history as (step, value) pairs in step order. */
  public List<double[]> history(String runId, String key) {
    JsonNode h = get("metrics/get-history", Map.of("run_id", runId, "metric_key", key));
    List<double[]> out = new ArrayList<>();
    h.path("metrics")
        .forEach(m -> out.add(new double[] {m.path("step").asLong(), m.path("value").asDouble()}));
    out.sort((a, b) -> Double.compare(a[0], b[0]));
    return out;
  }

  private String getRaw(String url) {
    try {
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
      HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException(
            "GET " + url + " -> " + response.statusCode() + " " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(HttpResponse<String> response, String path) {
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          path + " -> " + response.statusCode() + " " + response.body());
    }
    return parseText(response.body(), path);
  }

  private static JsonNode parseText(String body, String path) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalStateException(path + " answered non-JSON: " + body, e);
    }
  }

  private static String encode(Map<String, String> query) {
    StringBuilder b = new StringBuilder();
    query.forEach(
        (k, v) -> {
          if (b.length() > 0) {
            b.append('&');
          }
          b.append(URLEncoder.encode(k, StandardCharsets.UTF_8))
              .append('=')
              .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
    return b.toString();
  }
}
