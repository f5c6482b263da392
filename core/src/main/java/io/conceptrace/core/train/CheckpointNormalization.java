package io.conceptrace.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Normalization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The input normalisation a safetensors checkpoint carries in its header's {@code __metadata__}:
 * {@value #MEAN} and {@value #STD}, each a JSON array of one number per input channel, e.g. {@code
 * "[0.485, 0.456, 0.406]"} (safetensors metadata values are strings). {@code ctrace export} writes
 * them; a file without them is normalised as the study's data.
 */
public final class CheckpointNormalization {
  public static final String MEAN = "normalization.mean";
  public static final String STD = "normalization.std";
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointNormalization() {}

  /** The metadata entries that describe {@code n}. */
  public static Map<String, String> metadata(Normalization n) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(MEAN, array(n.mean()));
    out.put(STD, array(n.std()));
    return out;
  }

  /**
   * The normalisation in a checkpoint's metadata, or empty when it has neither key.
   *
   * @throws BadInputException (one line naming the file) when only one key is present, a value is
   *     not an array of {@code channels} numbers, or a standard deviation is not positive
   */
  public static Optional<Normalization> read(
      Map<String, String> metadata, Path file, int channels) {
    boolean mean = metadata.containsKey(MEAN);
    boolean std = metadata.containsKey(STD);
    if (!mean && !std) {
      return Optional.empty();
    }
    if (mean != std) {
      throw new BadInputException(
          file + ": metadata has " + (mean ? MEAN : STD) + " but not " + (mean ? STD : MEAN));
    }
    float[] m = values(metadata.get(MEAN), MEAN, file, channels);
    float[] s = values(metadata.get(STD), STD, file, channels);
    for (float v : s) {
      if (!(v > 0)) {
        throw new BadInputException(file + ": metadata " + STD + " must be > 0, got " + v);
      }
    }
    return Optional.of(new Normalization(m, s));
  }

  private static float[] values(String text, String key, Path file, int channels) {
    String expected = "a JSON array of " + channels + " number(s)";
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (IOException e) {
      node = null;
    }
    if (node == null || !node.isArray() || node.size() != channels) {
      throw new BadInputException(
          file + ": metadata " + key + " must be " + expected + ", got '" + text + "'");
    }
    float[] out = new float[channels];
    for (int i = 0; i < channels; i++) {
      if (!node.get(i).isNumber() || !Float.isFinite((float) node.get(i).asDouble())) {
        throw new BadInputException(
            file + ": metadata " + key + " must be " + expected + ", got '" + text + "'");
      }
      out[i] = (float) node.get(i).asDouble();
    }
    return out;
  }

  private static String array(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ", ").append(v[i]);
    }
    return b.append(']').toString();
  }
}
