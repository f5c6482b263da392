package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code ctrace run} killed with SIGKILL between two models of an attribute cell resumes
 * that cell after the last finished model: the rerun computes only the rest of the ensemble and the
 * cell's files equal, byte for byte, those of an uninterrupted run in another store.
 */
@Tag("slow")
class AttributionResumeAfterKillTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static final String EXPERIMENT = "tiny";
  private static final int MODELS = 5;
  private static final Duration LIMIT = Duration.ofMinutes(10);

  /**
   * The tiny study cut to one attribute cell over a 5-model ensemble, with enough training images
   * and projections that one model's attribution takes far longer than the test needs to notice its
   * checkpoint and kill the run.
   */
  private static final List<String> SETTINGS =
      List.of(
          "training.ensemble=" + MODELS,
          "data.train.per-class=80",
          "probes.layers=[layer3]",
          "probes.sparsity=[dense]",
          "attribution.projections=8",
          "prune.sizes=[]");

  @Test
  void aKillBetweenModelsResumesAtTheNextModelWithTheSameBytes(@TempDir Path dir) throws Exception {
    Path reference = dir.resolve("reference");
    Process uninterrupted = run(reference, dir.resolve("reference.log"));
    assertThat(uninterrupted.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(uninterrupted.exitValue())
        .as(Files.readString(dir.resolve("reference.log")))
        .isZero();
    StoredCell expected = attributeCell(reference);

    Path store = dir.resolve("store");
    Process first = run(store, dir.resolve("first.log"));
    Path checkpoint = awaitCheckpoint(store, 1, first);
    first.destroyForcibly(); // SIGKILL: no shutdown hook, nothing recorded
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(new RunStore(store).cells(EXPERIMENT, "attribute"))
        .as("the attribute cell must still be unfinished when the kill lands")
        .isEmpty();
    assertThat(checkpoint).exists();

    Path log = dir.resolve("second.log");
    Process second = run(store, log);
    assertThat(second.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).as(Files.readString(log)).isZero();
    StoredCell resumed = attributeCell(store);

    assertThat(Files.readString(log)).contains("resumed after model 1 of " + MODELS);
    List<Metric> metrics = resumed.metrics();
    assertThat(metrics)
        .filteredOn(m -> m.name().equals("resumed-models"))
        .singleElement()
        .extracting(Metric::value)
        .isEqualTo(2.0);
    assertThat(metrics)
        .filteredOn(m -> m.name().equals("featurize.seconds"))
        .as("models 0 and 1 were not featurized again")
        .extracting(Metric::step)
        .containsExactly(2L, 3L, 4L);
    // Each featurized member also records where its time went; the parts fit in the whole.
    for (long step = 2; step <= 4; step++) {
      double whole = value(metrics, "featurize.seconds", step);
      double parts =
          value(metrics, "featurize.gradients.seconds", step)
              + value(metrics, "featurize.projection.generation.seconds", step)
              + value(metrics, "featurize.projection.multiply.seconds", step);
      assertThat(value(metrics, "featurize.gradients.seconds", step)).isPositive();
      assertThat(value(metrics, "featurize.projection.multiply.seconds", step)).isPositive();
      assertThat(parts).isLessThanOrEqualTo(whole);
    }
    assertThat(attributeCell(reference).metrics())
        .filteredOn(m -> m.name().equals("resumed-models"))
        .extracting(Metric::value)
        .containsExactly(0.0);
    assertThat(new RunStore(store).workArea(EXPERIMENT, "attribute", resumed.record().cellId()))
        .as("a finished cell keeps no checkpoints")
        .doesNotExist();

    assertThat(resumed.record().cellId()).isEqualTo(expected.record().cellId());
    Map<String, byte[]> want = results(expected);
    assertThat(want.keySet()).contains("ranking.csv", "importance.npy", "scores.npy");
    Map<String, byte[]> got = results(resumed);
    assertThat(got.keySet()).isEqualTo(want.keySet());
    for (Map.Entry<String, byte[]> e : want.entrySet()) {
      assertThat(got.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  private static double value(List<Metric> metrics, String name, long step) {
    return metrics.stream()
        .filter(m -> m.name().equals(name) && m.step() == step)
        .map(Metric::value)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name + " at step " + step));
  }

  /** {@code ctrace run} in its own JVM, one cell at a time on one thread, logging to a file. */
  private static Process run(Path store, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Dai.djl.offline=true"));
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("ai.djl.") && !k.equals("ai.djl.offline")) {
        command.add("-D" + k + "=" + System.getProperty(k));
      }
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "run",
            TINY.toString(),
            "--store",
            store.toString(),
            "--jobs",
            "1",
            "--threads",
            "1",
            "--progress",
            "log",
            "-v"));
    for (String s : SETTINGS) {
      command.add("--set");
      command.add(s);
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    // As the ctrace launcher sets them: a fixed native pool, so both runs sum in the same order.
    pb.environment().put("MKL_DYNAMIC", "FALSE");
    pb.environment().put("OMP_DYNAMIC", "FALSE");
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits for the checkpoint after model {@code index} of the (only) attribute cell. */
  private static Path awaitCheckpoint(Path store, int index, Process run) throws Exception {
    Path work = store.resolve(EXPERIMENT).resolve(".work").resolve("attribute");
    String name = String.format("model-%04d.ckpt", index);
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Path> found = find(work, name);
      if (found.isPresent()) {
        return found.get();
      }
      assertThat(run.isAlive()).as("the run ended before the checkpoint appeared").isTrue();
      Thread.sleep(2);
    }
    throw new AssertionError("no " + name + " under " + work + " within " + LIMIT);
  }

  private static Optional<Path> find(Path work, String name) throws IOException {
    if (!Files.isDirectory(work)) {
      return Optional.empty();
    }
    try (Stream<Path> cells = Files.list(work)) {
      return cells.map(c -> c.resolve(name)).filter(Files::isRegularFile).findFirst();
    }
  }

  private static StoredCell attributeCell(Path store) {
    List<StoredCell> cells = new RunStore(store).cells(EXPERIMENT, "attribute");
    assertThat(cells).hasSize(1);
    return cells.get(0);
  }

  /** The cell's result files by name: all but its record and metrics (times differ). */
  private static Map<String, byte[]> results(StoredCell cell) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(cell.directory())) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String name = cell.directory().relativize(p).toString();
        if (!name.equals(RunStore.CELL_FILE) && !name.equals(RunStore.METRICS_FILE)) {
          out.put(name, Files.readAllBytes(p));
        }
      }
    }
    return out;
  }
}
