package io.conceptrace.mlflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.store.CellRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The datasets a cell run read, as MLflow's log-inputs API takes them, so that MLflow's Dataset
 * column and dataset filter work: the training and validation split for cells that train a network
 * ({@code data} in their settings) and the concept set for cells that probe or attribute one. A
 * pure function of the cell's record, shared by live logging and sync.
 *
 * <p>The digest is the first 10 hex digits of SHA-256 over the canonical JSON of the settings that
 * define the dataset, so runs that read the same data show the same digest. A concept's classes
 * appear by name when the cell recorded them (provenance {@code concept.classes}).
 */
public final class RunInputs {
  /** MLflow's input tag that says how a run used a dataset. */
  public static final String CONTEXT_TAG = "mlflow.data.context";

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private RunInputs() {}

  /**
   * One dataset input.
   *
   * @param context {@code training}, {@code validation} or {@code concept}
   */
  public record Dataset(
      String name,
      String digest,
      String sourceType,
      String source,
      String schema,
      String profile,
      String context) {
    public Dataset {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(digest, "digest");
    }
  }

  /** The datasets of a cell record (empty for cells that read only other cells' outputs). */
  public static List<Dataset> of(CellRecord record) {
    List<Dataset> out = new ArrayList<>();
    Map<String, Object> settings = record.settings();
    if (settings.get("data") instanceof Map<?, ?> data) {
      out.add(split(data, "train", "training"));
      out.add(split(data, "val", "validation"));
    }
    String concept = record.coordinates().get("concept");
    if (concept != null && settings.get("concept") instanceof Map<?, ?> spec) {
      Map<String, Object> profile = new TreeMap<>();
      profile.put("kind", String.valueOf(spec.get("kind")));
      String names = record.provenance().get("concept.classes");
      if (names != null && !names.isEmpty()) {
        profile.put("classes", List.of(names.split(", ")));
      } else if (spec.get("classes") != null) {
        profile.put("class-ids", spec.get("classes"));
      }
      String sizes = record.provenance().get("concept.sizes");
      if (sizes != null) {
        profile.put("sizes", sizes);
      }
      out.add(
          new Dataset(
              "concept " + concept,
              digest(spec),
              "code",
              json(Map.of("concept", concept, "kind", String.valueOf(spec.get("kind")))),
              json(Map.of("example", "image", "label", "concept (1) or not (0)")),
              json(profile),
              "concept"));
    }
    return out;
  }

  private static Dataset split(Map<?, ?> data, String split, String context) {
    Map<String, Object> defining = new TreeMap<>();
    for (String k : List.of("source", "classes", "image-size", "channels", "subset-seed")) {
      defining.put(k, data.get(k));
    }
    Object splitSettings = data.get(split);
    defining.put(split, splitSettings);
    String source = String.valueOf(data.get("source"));
    Object path = splitSettings instanceof Map<?, ?> m ? m.get("path") : null;
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put(
        "image", List.of(data.get("channels"), data.get("image-size"), data.get("image-size")));
    schema.put("label", "class index of " + data.get("classes"));
    Map<String, Object> profile = new TreeMap<>();
    if (splitSettings instanceof Map<?, ?> m) {
      m.forEach((k, v) -> profile.put(String.valueOf(k), v));
    }
    profile.put("classes", data.get("classes"));
    return new Dataset(
        source + " " + split,
        digest(defining),
        path == null ? "code" : "local",
        path == null ? json(Map.of("generator", source)) : json(Map.of("uri", path.toString())),
        json(schema),
        json(profile),
        context);
  }

  private static String digest(Object settings) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(json(settings).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash).substring(0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON-compatible: " + value, e);
    }
  }
}
