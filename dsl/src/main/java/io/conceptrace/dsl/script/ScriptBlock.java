package io.conceptrace.dsl.script;

import io.conceptrace.dsl.SourcePosition;

/**
 * A Kotlin block written inside an experiment file.
 *
 * @param source the Kotlin text exactly as written
 * @param position where the first character of {@code source} sits in the experiment file, so that
 *     compiler messages can be mapped back to it
 * @param path the key path of the block, e.g. {@code concepts.high-low.script}
 * @param budget its time limit and whether it may do unsafe things (the file's {@code scripts}
 *     keys)
 */
public record ScriptBlock(
    String source, SourcePosition position, String path, ScriptBudget budget) {
  /** A block under the default budget. */
  public ScriptBlock(String source, SourcePosition position, String path) {
    this(source, position, path, ScriptBudget.DEFAULT);
  }
}
