package io.conceptrace.mlflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.conceptrace.store.CellName;
import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.Metric;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How ctrace's cells and invocations appear in MLflow: run names, params, tags and metrics. Pure
 * functions, shared by live logging and sync so that both produce the same runs.
 *
 * <p>Params have stable dotted names: {@code coord.<name>} for the cell's coordinates, {@code
 * settings.<path>} for its resolved settings (nested maps flattened with dots), and {@code seed}.
 * Values longer than MLflow's limit are truncated with a note; the full record is the run's {@code
 * cell.json} artifact.
 */
public final class RunContent {
  /** MLflow's limit on a param or tag value (characters). */
  public static final int MAX_VALUE_LENGTH = 6000;

  /** MLflow's limit on a key's length. */
  public static final int MAX_KEY_LENGTH = 250;

  private static final String TRUNCATED = "... (truncated; the full value is in cell.json)";
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private RunContent() {}

  /** The stage whose cell holds the study's summary metrics, copied onto the parent run. */
  public static final String REPORT_STAGE = "report";

  private static final DateTimeFormatter PARENT_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

  /**
   * A cell run's name: the stage and its coordinate values in matrix order, e.g. {@code probe wavy
   * layer3 dense m0} ({@link CellName}, the same name {@code ctrace plan} shows).
   */
  public static String cellRunName(String stage, Map<String, String> coordinates) {
    return limit(CellName.of(stage, coordinates), MAX_KEY_LENGTH);
  }

  /**
   * A parent run's name: the experiment, its start (UTC) and the commit, e.g. {@code quickstart
   * 2026-12-01 11:05 6e5a575}.
   */
  public static String parentRunName(Invocation invocation) {
    if (invocation.id().equals(TrackingTags.STORE_INVOCATION)) {
      return invocation.experiment() + " (cells without an invocation journal)";
    }
    StringBuilder name =
        new StringBuilder(invocation.experiment())
            .append(' ')
            .append(PARENT_TIME.format(invocation.startedAt()));
    if (invocation.git().known()) {
      String commit = invocation.git().commit();
      name.append(' ').append(commit, 0, Math.min(7, commit.length()));
      if (invocation.git().fileModified()) {
        name.append('+');
      }
    }
    return limit(name.toString(), MAX_KEY_LENGTH);
  }

  /**
   * The report cell's metrics that also go onto its parent run: the study's summary numbers (its
   * {@code metrics.jsonl}; timings stay on the cell's own run).
   */
  public static List<Metric> summaryMetrics(String stage, List<Metric> cellMetrics) {
    if (!stage.equals(REPORT_STAGE)) {
      return List.of();
    }
    return cellMetrics.stream().map(RunContent::metric).toList();
  }

  /** Which record of a cell a run holds: the result, or one failed/killed attempt. */
  public static String recordKey(CellRecord record) {
    return record.status() == CellStatus.FINISHED
        ? TrackingTags.RECORD_RESULT
        : "attempt-" + record.finishedAt().toEpochMilli() + "-" + record.status();
  }

  /** The params of a cell run, in a stable order. */
  public static Map<String, String> params(
      Map<String, String> coordinates, Map<String, Object> settings, long seed) {
    Map<String, String> out = new TreeMap<>();
    coordinates.forEach((k, v) -> out.put(key("coord." + k), value(v)));
    flatten("settings", settings, out);
    out.put("seed", Long.toString(seed));
    return out;
  }

  /** The tags every cell run carries (the parent link and record key are added by the caller). */
  public static Map<String, String> cellTags(
      Invocation invocation,
      String cellId,
      String stage,
      Map<String, String> coordinates,
      List<String> inputs) {
    Map<String, String> tags = new TreeMap<>(invocationTags(invocation));
    tags.put(TrackingTags.KIND, TrackingTags.KIND_CELL);
    tags.put(TrackingTags.CELL_ID, cellId);
    tags.put(TrackingTags.STAGE, stage);
    tags.put(TrackingTags.RUN_NAME, cellRunName(stage, coordinates));
    coordinates.forEach((k, v) -> tags.put(key(TrackingTags.COORDINATE_PREFIX + k), value(v)));
    if (!inputs.isEmpty()) {
      tags.put(TrackingTags.INPUTS, value(String.join(",", inputs)));
    }
    return tags;
  }

  /** Tags that describe how a cell ended: status message and provenance. */
  public static Map<String, String> endTags(CellRecord record) {
    Map<String, String> tags = new TreeMap<>();
    tags.put(TrackingTags.RECORD, recordKey(record));
    if (!record.message().isEmpty()) {
      tags.put(TrackingTags.MESSAGE, value(record.message()));
    }
    record
        .provenance()
        .forEach((k, v) -> tags.put(key(TrackingTags.PROVENANCE_PREFIX + k), value(v)));
    return tags;
  }

  /** Tags of the parent run of an invocation. */
  public static Map<String, String> invocationTags(Invocation invocation) {
    Map<String, String> tags = new TreeMap<>();
    tags.put(TrackingTags.EXPERIMENT, invocation.experiment());
    tags.put(TrackingTags.INVOCATION_ID, invocation.id());
    if (!invocation.experimentFile().isEmpty()) {
      tags.put(TrackingTags.EXPERIMENT_FILE, value(invocation.experimentFile()));
      tags.put(TrackingTags.SOURCE_NAME, value(invocation.experimentFile()));
    }
    if (invocation.git().known()) {
      tags.put(TrackingTags.GIT_COMMIT, invocation.git().commit());
      tags.put(TrackingTags.SOURCE_GIT_COMMIT, invocation.git().commit());
      tags.put(TrackingTags.GIT_FILE_MODIFIED, Boolean.toString(invocation.git().fileModified()));
    }
    return tags;
  }

  /** The parent run's own tags (name, kind, description) on top of {@link #invocationTags}. */
  public static Map<String, String> parentTags(Invocation invocation) {
    Map<String, String> tags = new TreeMap<>(invocationTags(invocation));
    tags.put(TrackingTags.KIND, TrackingTags.KIND_INVOCATION);
    tags.put(TrackingTags.RUN_NAME, parentRunName(invocation));
    List<String> note = new ArrayList<>();
    if (!invocation.description().isEmpty()) {
      note.add(invocation.description());
    }
    if (!invocation.command().isEmpty()) {
      note.add("`" + invocation.command() + "`");
    }
    if (!note.isEmpty()) {
      tags.put(TrackingTags.NOTE, value(String.join("\n\n", note)));
    }
    return tags;
  }

  /** A stored metric under an MLflow-safe name. */
  public static Metric metric(Metric m) {
    return new Metric(key(m.name()), m.step(), m.value(), m.timestamp());
  }

  /** The record's timings as metrics {@code time.<name>} (seconds) at its end time. */
  public static List<Metric> timingMetrics(CellRecord record) {
    List<Metric> out = new ArrayList<>();
    long at = record.finishedAt().toEpochMilli();
    new TreeMap<>(record.timings())
        .forEach((k, v) -> out.add(new Metric(key("time." + k), 0, v, at)));
    return out;
  }

  /**
   * A key MLflow accepts: letters, digits and {@code _ - . space /}; anything else becomes {@code
   * _}.
   */
  public static String key(String raw) {
    StringBuilder b = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-'
              || c == '.'
              || c == ' '
              || c == '/';
      b.append(ok ? c : '_');
    }
    return limit(b.toString(), MAX_KEY_LENGTH);
  }

  /** A value within MLflow's length limit; longer values are cut with a note. */
  public static String value(String raw) {
    if (raw.length() <= MAX_VALUE_LENGTH) {
      return raw;
    }
    return raw.substring(0, MAX_VALUE_LENGTH - TRUNCATED.length()) + TRUNCATED;
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = prefix + "." + e.getKey();
      if (e.getValue() instanceof Map<?, ?> nested && !nested.isEmpty()) {
        flatten(name, nested, out);
      } else {
        out.put(key(name), value(render(e.getValue())));
      }
    }
  }

  private static String render(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    try {
      return JSON.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      return v.toString();
    }
  }

  private static String limit(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
