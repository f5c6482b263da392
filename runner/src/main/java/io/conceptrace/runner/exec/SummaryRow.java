package io.conceptrace.runner.exec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Part of one row of the end-of-run summary. Stages fill rows independently and rows with the same
 * section and key are merged, so e.g. the probe stage can put {@code accuracy = 0.91 ± 0.02} and
 * the attribute stage {@code top ids = 17, 4, 99} into the same row for {@code concept=wavy,
 * layer=layer3, sparsity=dense}.
 *
 * @param section which table the row belongs to (e.g. {@code probes}, {@code prune arms})
 * @param key the row's identity, in display order (e.g. concept, layer, sparsity)
 * @param values column name → formatted value, in display order
 */
public record SummaryRow(String section, Map<String, String> key, Map<String, String> values) {
  public SummaryRow {
    Objects.requireNonNull(section, "section");
    key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
    values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /** A row with one value. */
  public static SummaryRow of(
      String section, Map<String, String> key, String column, String value) {
    return new SummaryRow(section, key, Map.of(column, value));
  }
}
