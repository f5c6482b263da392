package io.conceptrace.dsl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Finds the triple-quoted strings of a HOCON file, as {start line, end line} (1-based). */
final class TripleQuotes {
  private TripleQuotes() {}

  static List<int[]> spans(String file) {
    String text;
    try {
      text = Files.readString(Path.of(file));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    List<int[]> out = new ArrayList<>();
    int line = 1;
    int i = 0;
    boolean inQuote = false;
    boolean inComment = false;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        inComment = false;
        i++;
        continue;
      }
      if (inComment) {
        i++;
        continue;
      }
      if (!inQuote && (c == '#' || text.startsWith("//", i))) {
        inComment = true;
        i++;
        continue;
      }
      if (text.startsWith("\"\"\"", i)) {
        int start = line;
        int end = text.indexOf("\"\"\"", i + 3);
        if (end < 0) {
          break;
        }
        // A run of more than three quotes closes at its last three.
        while (end + 3 < text.length() && text.charAt(end + 3) == '"') {
          end++;
        }
        for (int j = i + 3; j < end; j++) {
          if (text.charAt(j) == '\n') {
            line++;
          }
        }
        out.add(new int[] {start, line});
        i = end + 3;
        continue;
      }
      if (inQuote && c == '\\') {
        i += 2;
        continue;
      }
      if (c == '"') {
        inQuote = !inQuote;
      }
      i++;
    }
    return out;
  }
}
