package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Done-when of issue 14: for each of the five keys that were once unread, two runs of the tiny
 * study that differ only in that key produce different artifacts, and the difference is the
 * documented one. Each run trains one base model (1 epoch) and one dense probe at layer3.
 */
@Tag("slow")
class KeysReachTheComputationTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static ComputeEngine engine;

  @TempDir Path root;

  @BeforeAll
  static void start() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
  }

  /** The base model and its layer3 dense probe of member 0, computed with these overrides. */
  record Outcome(StoredCell model, StoredCell probe, byte[] weights, float[] cav) {
    List<Double> metric(String name) {
      return model.metrics().stream()
          .filter(m -> m.name().equals(name))
          .map(Metric::value)
          .toList();
    }
  }

  private Outcome run(String label, String... sets) throws IOException {
    List<String> overrides = new ArrayList<>(List.of("probes.layers = [layer3]"));
    overrides.addAll(List.of(sets));
    Experiment e =
        new ExperimentLoader(
                new ExperimentLoader.Options(overrides, false, false, false), Optional.empty())
            .load(TINY);
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(e);
    List<MatrixCell> cells = new ArrayList<>();
    for (Cell c : matrix.cells()) {
      boolean member0 = "0".equals(c.coordinates().get("member"));
      boolean wanted =
          c.stage().equals(Stages.TRAIN_BASE)
              || (c.stage().equals(Stages.PROBE)
                  && "dense".equals(c.coordinates().get("sparsity")));
      if (member0 && wanted) {
        cells.add(new MatrixCell(c));
      }
    }
    RunStore store = new RunStore(root.resolve(label));
    Pipeline.Result result =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    matrix.experiment(),
                    cells,
                    store,
                    StageRunners.forExperiment(e, engine, Optional.empty()),
                    List.of(),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(1),
                new ExecutionListener() {});
    assertThat(result.report().failures()).isEmpty();
    StoredCell model = store.cells(matrix.experiment(), Stages.TRAIN_BASE).get(0);
    StoredCell probe = store.cells(matrix.experiment(), Stages.PROBE).get(0);
    return new Outcome(
        model,
        probe,
        weights(model.artifact(TrainStage.MODEL_DIR)),
        Npy.readFloat32(probe.artifact(ProbeStage.PROBE_DIR + "/cav.npy")));
  }

  /** The checkpoint's tensors: the uncompressed entries of its archives (not its timings). */
  private static byte[] weights(Path dir) throws IOException {
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        if (f.toString().endsWith(".json")) {
          continue;
        }
        try (java.util.zip.ZipInputStream zip =
            new java.util.zip.ZipInputStream(Files.newInputStream(f))) {
          for (var entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
            all.write(entry.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            all.write(zip.readAllBytes());
          }
        }
      }
    }
    assertThat(all.size()).as("tensors in %s", dir).isGreaterThan(1000);
    return all.toByteArray();
  }

  @Test
  void eachOfTheFiveKeysChangesWhatIsComputed() throws IOException {
    Outcome base = run("base");
    assertThat(base.metric("train.resolution")).containsExactly(32.0);

    // training.augmentation.crop: other crops of the same images, so other weights.
    Outcome rrc = run("rrc", "training.augmentation.crop = random-resized");
    assertThat(rrc.model().record().cellId()).isNotEqualTo(base.model().record().cellId());
    assertThat(Arrays.equals(rrc.weights(), base.weights())).isFalse();

    // training.progressive-resolution: epoch 0 (the only one) trains at min-size, 64 px.
    Outcome res =
        run(
            "res",
            "training.progressive-resolution { enabled = true, min-size = 64, max-size = 96 }");
    assertThat(res.metric("train.resolution")).containsExactly(64.0);
    assertThat(Arrays.equals(res.weights(), base.weights())).isFalse();

    // training.schedule.start-factor: tiny ramps from start-factor to the peak at epoch 1, so the
    // whole epoch runs at other rates.
    Outcome start = run("start", "training.schedule.start-factor = 0.9");
    assertThat(Arrays.equals(start.weights(), base.weights())).isFalse();

    // probes.optimizer: the same base model, another probe.
    Outcome sgd = run("sgd", "probes.optimizer { name = sgd, momentum = 0.9, nesterov = true }");
    assertThat(sgd.model().record().cellId()).isEqualTo(base.model().record().cellId());
    assertThat(Arrays.equals(sgd.weights(), base.weights())).isTrue();
    assertThat(sgd.cav()).isNotEqualTo(base.cav());

    // probes.augmentation: the same base model; cached activations (false) are the same every
    // epoch, augmented ones are new views, so the probe differs.
    Outcome cached = run("cached", "probes.augmentation = false");
    assertThat(Arrays.equals(cached.weights(), base.weights())).isTrue();
    assertThat(cached.cav()).isNotEqualTo(base.cav());
    Outcome cachedAgain = run("cached-again", "probes.augmentation = false");
    assertThat(cachedAgain.cav()).isEqualTo(cached.cav());
    assertThat(Arrays.equals(run("base-again").cav(), base.cav())).isTrue();
  }
}
