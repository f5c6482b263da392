package io.conceptrace.mlflow;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Writes cells into a run store the way the executor does, reporting them to a sink. */
final class StoreFixture {
  final RunStore store;
  final String experiment;

  StoreFixture(Path root, String prefix) {
    this.store = new RunStore(root);
    byte[] b = new byte[4];
    ThreadLocalRandom.current().nextBytes(b);
    // Unique per test run: a CI server is shared by every test and kept between classes.
    this.experiment = prefix + "-" + HexFormat.of().formatHex(b);
  }

  /** A committed cell with stepped metrics {@code loss} and {@code val.accuracy} and two files. */
  StoredCell trainCell(TrackingSink sink, String cellId) {
    Map<String, String> coords = Map.of("ensemble", "0");
    Map<String, Object> settings =
        Map.of(
            "training",
            Map.of("epochs", 3, "lr", 0.1),
            "model",
            "resnet18-small",
            "data",
            Map.of(
                "source", "synthetic",
                "classes", 10,
                "image-size", 32,
                "channels", 3,
                "subset-seed", 5,
                "train", Map.of("per-class", 250, "fraction", 1.0),
                "val", Map.of("per-class", 30, "fraction", 1.0)));
    sink.cellStarted(new CellStart(cellId, "train-base", coords, settings, List.of(), 7));
    try (CellWriter w = store.open(experiment, "train-base", cellId)) {
      for (int epoch = 0; epoch < 3; epoch++) {
        io.conceptrace.store.Metric loss =
            new io.conceptrace.store.Metric("loss", epoch, 1.0 / (epoch + 1), 1_000L + epoch);
        io.conceptrace.store.Metric acc =
            new io.conceptrace.store.Metric(
                "val.accuracy", epoch, 0.5 + 0.1 * epoch, 1_000L + epoch);
        w.metric(loss);
        w.metric(acc);
        sink.metric(cellId, loss);
        sink.metric(cellId, acc);
      }
      write(w.file("weights.txt"), "weights of " + cellId);
      write(w.file("curves/notes.txt"), "notes\nline 2");
      StoredCell cell =
          w.commit(
              w.recordBuilder()
                  .coordinates(coords)
                  .settings(settings)
                  .seed(7)
                  .timing("total", 1.5)
                  .provenance(Map.of("djl", "0.36.0"))
                  .build());
      sink.cellEnded(cell);
      return cell;
    }
  }

  /** A committed probe cell with one metric. */
  StoredCell probeCell(TrackingSink sink, String cellId, String input) {
    Map<String, String> coords = Map.of("layer", "layer3", "concept", "wavy");
    Map<String, Object> settings =
        Map.of(
            "probe",
            Map.of("k", 16, "layers", List.of("layer3")),
            "concept",
            Map.of("kind", "classes", "classes", List.of(7, 8)));
    sink.cellStarted(new CellStart(cellId, "probe", coords, settings, List.of(input), 11));
    try (CellWriter w = store.open(experiment, "probe", cellId)) {
      io.conceptrace.store.Metric m = new io.conceptrace.store.Metric("accuracy", 0, 0.9, 2_000L);
      w.metric(m);
      sink.metric(cellId, m);
      StoredCell cell =
          w.commit(
              w.recordBuilder()
                  .coordinates(coords)
                  .settings(settings)
                  .inputs(List.of(input))
                  .seed(11)
                  .provenance(Map.of("concept.classes", "snake, worm"))
                  .build());
      sink.cellEnded(cell);
      return cell;
    }
  }

  /** A committed report cell whose metrics are the study's summary numbers. */
  StoredCell reportCell(TrackingSink sink, String cellId, Map<String, Double> summary) {
    return reportCell(sink, cellId, summary, Map.of());
  }

  /** A committed report cell with these files (relative path to bytes), e.g. its figures. */
  StoredCell reportCell(
      TrackingSink sink, String cellId, Map<String, Double> summary, Map<String, byte[]> files) {
    return reportCell(sink, cellId, summary, files, false);
  }

  /**
   * A committed report cell with these files; {@code redraw}: it replaces the cell already in the
   * store, as {@code ctrace report} does.
   */
  StoredCell reportCell(
      TrackingSink sink,
      String cellId,
      Map<String, Double> summary,
      Map<String, byte[]> files,
      boolean redraw) {
    sink.cellStarted(new CellStart(cellId, "report", Map.of(), Map.of(), List.of(), 5));
    try (CellWriter w = store.open(experiment, "report", cellId)) {
      files.forEach(
          (name, bytes) -> {
            try {
              Files.createDirectories(w.file(name).getParent());
              Files.write(w.file(name), bytes);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
      summary.forEach(
          (name, value) -> {
            io.conceptrace.store.Metric m = new io.conceptrace.store.Metric(name, 0, value, 3_000L);
            w.metric(m);
            sink.metric(cellId, m);
          });
      StoredCell cell =
          redraw
              ? w.replace(w.recordBuilder().seed(5).build())
              : w.commit(w.recordBuilder().seed(5).build());
      sink.cellEnded(cell);
      return cell;
    }
  }

  /** A FAILED attempt (its files are discarded, its record kept under .attempts). */
  CellRecord failedAttempt(TrackingSink sink, String cellId) {
    Map<String, String> coords = Map.of("layer", "layer3");
    sink.cellStarted(new CellStart(cellId, "attribute", coords, Map.of(), List.of(), 3));
    try (CellWriter w = store.open(experiment, "attribute", cellId)) {
      write(w.file("partial.npy"), "partial");
      CellRecord record =
          w.recordBuilder()
              .coordinates(coords)
              .seed(3)
              .status(CellStatus.FAILED, "out of memory")
              .finishedAt(Instant.now())
              .build();
      w.abandon(record);
      sink.cellEnded(record, null);
      return record;
    }
  }

  /** An experiment file inside a fresh git repository (when git is installed). */
  static Path experimentFileInRepository(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path file = dir.resolve("study.conf");
    Files.writeString(file, "experiment { name = study }\n");
    run(dir, "git", "init", "-q");
    run(dir, "git", "add", "study.conf");
    run(dir, "git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "x");
    return file;
  }

  private static void run(Path dir, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed");
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
