package io.conceptrace.dsl.cell;

import io.conceptrace.dsl.Experiment;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which images a study trains and evaluates on.
 *
 * @param subsetSeed the seed of the per-class subsets, the same for every model of the study
 */
public record DataSpec(
    String source,
    int classes,
    int imageSize,
    int channels,
    Experiment.Split train,
    Experiment.Split val,
    long subsetSeed) {

  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("source", source);
    s.put("classes", classes);
    s.put("image-size", imageSize);
    s.put("channels", channels);
    s.put("train", split(train));
    s.put("val", split(val));
    s.put("subset-seed", subsetSeed);
    return s;
  }

  /** Not the size hints: they only check sizes, they do not choose images. */
  private static Map<String, Object> split(Experiment.Split split) {
    Map<String, Object> s = new TreeMap<>();
    s.put("path", split.path().map(Object::toString).orElse(null));
    s.put("per-class", split.perClass().isPresent() ? split.perClass().getAsInt() : null);
    s.put("fraction", split.fraction());
    return s;
  }
}
