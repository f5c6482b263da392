package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same file and seed give bit-identical results whatever else the machine does: the tiny study
 * (base training, probes, TRAK, prune arms, retraining, re-probing, report) runs once as the
 * reference with one cell at a time, then several times with two cells at once (attribution beside
 * training and probing) while busy threads compete for the cores and a thread forces garbage
 * collections, and every array, table and model file must equal the reference byte for byte. Each
 * cell computes on one intra-op thread in both, so only what runs beside it differs.
 *
 * <p>Before the fix in {@code core.nn.Scalars}, collections between a forward and a backward pass
 * corrupted gradients; the collecting thread makes that moment happen in nearly every run instead
 * of a few in ten, so a handful of repetitions catches a regression.
 */
@Tag("slow")
class DeterminismUnderLoadTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static final int LOADED_RUNS = 4;

  @Test
  void loadedRunsGiveTheBytesOfAQuietRun(@TempDir Path dir) throws Exception {
    Map<String, byte[]> reference = run(dir.resolve("quiet"), "1");
    assertThat(reference.keySet())
        .anyMatch(p -> p.endsWith("model.npz"))
        .anyMatch(p -> p.endsWith("scores.npy"))
        .anyMatch(p -> p.endsWith("prune-arms.csv"));

    for (int i = 0; i < LOADED_RUNS; i++) {
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> load = new ArrayList<>();
      for (int k = 0; k < Runtime.getRuntime().availableProcessors(); k++) {
        load.add(start(() -> spin(stop)));
      }
      load.add(start(() -> collectGarbage(stop)));
      Map<String, byte[]> loaded;
      try {
        loaded = run(dir.resolve("loaded-" + i), "2");
      } finally {
        stop.set(true);
        for (Thread t : load) {
          t.join();
        }
      }
      assertThat(loaded.keySet()).as("files of loaded run %d", i).isEqualTo(reference.keySet());
      for (var e : reference.entrySet()) {
        assertThat(loaded.get(e.getKey()))
            .as("%s in loaded run %d", e.getKey(), i)
            .isEqualTo(e.getValue());
      }
    }
  }

  /** Runs the study into a fresh store; its .npy, .csv and .npz files by store-relative path. */
  private static Map<String, byte[]> run(Path store, String jobs) throws IOException {
    CliHarness r =
        CliHarness.run(
            "run", TINY.toString(), "--store", store.toString(), "--jobs", jobs, "--threads", "1");
    assertThat(r.exitCode()).as(r.err()).isZero();
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(store)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".npy") || name.endsWith(".csv") || name.endsWith(".npz")) {
          files.put(store.relativize(p).toString(), Files.readAllBytes(p));
        }
      }
    }
    return files;
  }

  private static Thread start(Runnable body) {
    Thread t = new Thread(body, "determinism-load");
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void spin(AtomicBoolean stop) {
    long x = 0;
    while (!stop.get()) {
      x += System.nanoTime() & 7;
    }
    assertThat(x).isNotNegative();
  }

  private static void collectGarbage(AtomicBoolean stop) {
    while (!stop.get()) {
      System.gc();
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        return;
      }
    }
  }
}
