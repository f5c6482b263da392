package io.conceptrace.store;

import java.util.Objects;

/**
 * One measured value: a line of {@code metrics.jsonl}.
 *
 * @param name dotted metric name, e.g. {@code val.accuracy}
 * @param step the step it belongs to (epoch, iteration); 0 for single values
 * @param value the value
 * @param timestamp milliseconds since the epoch when it was measured
 */
public record Metric(String name, long step, double value, long timestamp) {
  public Metric {
    Objects.requireNonNull(name, "name");
  }
}
