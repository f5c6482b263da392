package io.conceptrace.dsl;

/**
 * A place in an experiment file, as shown to users: {@code experiments/x.conf:12} or {@code
 * experiments/x.conf:12:7}.
 *
 * @param file the file as the user named it (or {@code --set ...} / {@code defaults})
 * @param line 1-based line; 0 when unknown
 * @param column 1-based column; 0 when unknown
 */
public record SourcePosition(String file, int line, int column) {
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(file);
    if (line > 0) {
      b.append(':').append(line);
      if (column > 0) {
        b.append(':').append(column);
      }
    }
    return b.toString();
  }
}
