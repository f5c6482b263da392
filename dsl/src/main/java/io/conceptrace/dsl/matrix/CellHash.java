package io.conceptrace.dsl.matrix;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Content hashes of cells and derived seeds. */
public final class CellHash {
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  private CellHash() {}

  /** The canonical JSON of a cell's hashed content: stage, settings, inputs; keys sorted. */
  public static String canonicalJson(
      String stage, Map<String, Object> settings, List<String> inputs) {
    Map<String, Object> content = new LinkedHashMap<>();
    content.put("stage", stage);
    content.put("settings", settings);
    content.put("inputs", inputs);
    try {
      return CANONICAL.writeValueAsString(content);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cell settings are not JSON-compatible: " + e.getOriginalMessage(), e);
    }
  }

  /** The first 16 hex digits of SHA-256 of the canonical JSON. */
  public static String id(String stage, Map<String, Object> settings, List<String> inputs) {
    return HexFormat.of()
        .formatHex(sha256(canonicalJson(stage, settings, inputs)))
        .substring(0, 16);
  }

  /**
   * A seed derived from the experiment seed and a cell's coordinates: the first 8 bytes of SHA-256
   * of {@code seed/stage/k=v/...}, as a non-negative long.
   */
  public static long seed(long experimentSeed, String stage, Map<String, String> coordinates) {
    StringBuilder b = new StringBuilder().append(experimentSeed).append('/').append(stage);
    coordinates.forEach((k, v) -> b.append('/').append(k).append('=').append(v));
    byte[] h = sha256(b.toString());
    long s = 0;
    for (int i = 0; i < 8; i++) {
      s = (s << 8) | (h[i] & 0xff);
    }
    return s & Long.MAX_VALUE;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }
}
