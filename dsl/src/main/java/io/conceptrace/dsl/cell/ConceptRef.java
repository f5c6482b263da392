package io.conceptrace.dsl.cell;

import java.util.Map;
import java.util.Objects;

/**
 * A concept as a cell reads it: its name (the study's concept registry builds its example sets once
 * per process, by name) and the canonical form of its definition, which is what the sets are built
 * from: kind, classes or script and threshold or folders, caps, and the negatives' seed.
 */
public record ConceptRef(String name, Map<String, Object> definition) {
  public ConceptRef {
    Objects.requireNonNull(name, "name");
    definition = Canonical.copy(definition);
  }
}
