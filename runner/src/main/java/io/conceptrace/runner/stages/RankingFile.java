package io.conceptrace.runner.stages;

import io.conceptrace.runner.exec.CellFailedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an attribution's {@code ranking.csv} ({@code rank,example_id,class,score}, most important
 * first, fields quoted CSV-style when they contain commas or quotes).
 */
public final class RankingFile {
  /** One ranked training image. */
  public record Entry(String id, double score) {}

  private RankingFile() {}

  public static List<Entry> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    if (lines.isEmpty() || !lines.get(0).startsWith("rank,example_id,")) {
      throw new CellFailedException(
          file + " is not a ranking (expected a rank,example_id,... header)");
    }
    List<Entry> out = new ArrayList<>(lines.size() - 1);
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).isEmpty()) {
        continue;
      }
      List<String> f = fields(lines.get(i));
      if (f.size() != 4) {
        throw new CellFailedException(
            file + ":" + (i + 1) + ": expected 4 fields, got " + f.size());
      }
      out.add(new Entry(f.get(1), Double.parseDouble(f.get(3))));
    }
    return out;
  }

  /** Splits one CSV line; a quoted field may hold commas and doubled quotes. */
  static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }

  /** A field quoted if it needs to be. */
  static String csv(String v) {
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }
}
