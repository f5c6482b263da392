package io.conceptrace.dsl;

/**
 * One thing wrong with an experiment file, shown as one line: {@code FILE:LINE: key.path: message}.
 */
public record Problem(SourcePosition position, String path, String message) {
  @Override
  public String toString() {
    return position + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}
