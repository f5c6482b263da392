package io.conceptrace.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A complete cell as it lies in the store.
 *
 * @param directory the cell's directory
 * @param record its {@code cell.json}
 */
public record StoredCell(Path directory, CellRecord record) {

  /** The cell's metrics in the order they were written. */
  public List<Metric> metrics() {
    return Json.readMetrics(directory.resolve(RunStore.METRICS_FILE));
  }

  /** A file the cell wrote (relative to its directory). */
  public Path artifact(String relativePath) {
    Path p = directory.resolve(relativePath).normalize();
    if (!p.startsWith(directory)) {
      throw new IllegalArgumentException("artifact path escapes the cell: " + relativePath);
    }
    return p;
  }

  /** Every artifact file, relative to the cell directory, excluding the store's own records. */
  public List<String> artifacts() {
    try (Stream<Path> files = Files.walk(directory)) {
      return files
          .filter(Files::isRegularFile)
          .map(p -> directory.relativize(p).toString())
          .filter(n -> !n.equals(RunStore.CELL_FILE) && !n.equals(RunStore.METRICS_FILE))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
