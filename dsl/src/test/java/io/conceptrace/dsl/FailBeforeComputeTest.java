package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.conceptrace.core.nn.ArchitectureSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The memory estimate as validate computes it: P from the layer, the groups and the probe. */
class FailBeforeComputeTest {
  @TempDir Path dir;

  Experiment load(String extra) throws IOException {
    Path f = dir.resolve("x.conf");
    Files.writeString(
        f,
        "experiment { name = m }\n"
            + "data { source = synthetic, train { per-class = 20 } }\n"
            + "model { arch = small-cnn, width = 0.5 }\n"
            + "concepts.wavy { kind = classes, classes = [snake] }\n"
            + "probes.layers = [layer1]\n"
            // k = 512 over 200 images needs a ridge (without one, validate rejects the kernel)
            + "attribution.lambda = 0.001\n"
            + extra);
    return new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
        .load(f);
  }

  static List<String> check(Experiment e, long limit) {
    ConfigReader r = new ConfigReader(ConfigFactory.empty(), "x.conf");
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 0.5, true, 3, 32, 10);
    FailBeforeCompute.check(
        r, e.data(), e.concepts(), e.probes(), e.attribution(), Optional.of(spec), limit);
    return r.problems().stream().map(p -> p.path() + ": " + p.message()).toList();
  }

  @Test
  void theEstimateCountsTheLayersParametersAndTheProbe() throws IOException {
    Experiment e = load("attribution.projection = gaussian\n");
    // small-cnn width 0.5 up to layer1: conv1 8·3·3·3 + bn1 2·8 + layer1.0 16·8·3·3 + layer1.1
    // 2·16 = 1,416; the flat probe on [16, 32, 32] adds 16,384 weights and a bias: P = 17,801.
    // 200 training images fit one gradient chunk (200·P·4 bytes = 14.2 MB), gathered in batches
    // of 64. One projection per model means two projectors (the stability replica's seeds), each
    // keeping its cached 17,801 × 512 matrix (36.5 MB) and the buffer it was generated in (as
    // much). At the peak, gathering: the chunk, the batch being copied in (4.6 MB) and the four
    // matrices' worth: 165 MB (projecting the chunk holds the features, 0.8 MB, instead).
    assertThat(check(e, 10_000_000))
        .containsExactly(
            "attribution.projection-dim: TRAK at layer1 with k = 512 and P = 17801 parameters"
                + " needs about 165 MB of memory, more than this machine's memory (10 MB); lower"
                + " the projection dimension");
    assertThat(check(e, 160_000_000)).hasSize(1);
    assertThat(check(e, 170_000_000)).isEmpty();
  }

  @Test
  void theDefaultSparseProjectionKeepsOnlyItsHashedRows() throws IOException {
    Experiment e = load("");
    // The same study with the default sparse-jl: no dense matrix per projector, so the peak is
    // gathering the chunk (14.2 MB) with the batch being copied in (4.6 MB) and the two
    // projectors' hashed rows of R (17,801 · 8 · 8 bytes = 1.1 MB each): 21 MB.
    assertThat(check(e, 10_000_000))
        .containsExactly(
            "attribution.projection-dim: TRAK at layer1 with k = 512 and P = 17801 parameters"
                + " needs about 21 MB of memory, more than this machine's memory (10 MB); lower"
                + " the projection dimension");
    assertThat(check(e, 22_000_000)).isEmpty();
  }

  /** The loaded study with other attribution keys (the loader itself would reject them). */
  static Experiment with(Experiment e, double lambda, int k, List<String> methods) {
    Experiment.Attribution a = e.attribution();
    Experiment.Attribution changed =
        new Experiment.Attribution(
            methods,
            k,
            a.projections(),
            a.projection(),
            lambda,
            a.targets(),
            a.targetLabels(),
            a.pseudoLabels(),
            a.parameterGroups(),
            a.kernelMode(),
            a.batchSize());
    return new Experiment(
        e.file(),
        e.name(),
        e.seed(),
        e.description(),
        e.data(),
        e.model(),
        e.training(),
        e.concepts(),
        e.probes(),
        changed,
        e.prune(),
        e.exclude(),
        e.tracking(),
        e.execution(),
        e.evaluate());
  }

  @Test
  void withoutARidgeAProjectionWiderThanTheTrainingSetIsRejected() throws IOException {
    Experiment e = load("");
    assertThat(check(with(e, 0, 201, List.of("trak")), Long.MAX_VALUE))
        .containsExactly(
            "attribution.projection-dim: with lambda = 0 the kernel of k = 201 features"
                + " over 200 training images has rank at most 200 < k and cannot be inverted: set"
                + " attribution.lambda > 0 or projection-dim <= 200");
    assertThat(check(with(e, 0, 200, List.of("trak")), Long.MAX_VALUE)).isEmpty();
    assertThat(check(with(e, 1e-3, 201, List.of("trak")), Long.MAX_VALUE)).isEmpty();
    // Only TRAK inverts the kernel.
    assertThat(check(with(e, 0, 201, List.of("grad-dot", "random")), Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void probeOnlyAttributionCountsJustTheProbe() throws IOException {
    Experiment e = load("attribution.parameter-groups = [probe]\n");
    assertThat(check(e, 1_000)).singleElement().asString().contains("and P = 16385 parameters");
  }
}
