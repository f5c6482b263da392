package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the shipped studies without running their Kotlin blocks. */
class ExperimentLoaderTest {
  static final Path EXPERIMENTS = Path.of("../experiments");

  static Experiment load(String file, ExperimentLoader.Options options) {
    return new ExperimentLoader(options, Optional.empty()).load(EXPERIMENTS.resolve(file));
  }

  static ExperimentLoader.Options plan(String... sets) {
    return new ExperimentLoader.Options(List.of(sets), false, false, false);
  }

  @Test
  void imagenet10pHasThePapersSettings() {
    Experiment e = load("imagenet10p.conf", plan());
    assertThat(e.architecture().name()).hasToString("resnet18");
    assertThat(e.architecture().smallStem()).isFalse();
    assertThat(e.data().train().fraction()).isEqualTo(0.1);
    assertThat(e.data().val().fraction()).isEqualTo(0.1);
    assertThat(e.training().ensemble()).isEqualTo(20);
    assertThat(e.training().epochs()).isEqualTo(176);
    assertThat(e.training().batchSize()).isEqualTo(256);
    assertThat(e.training().optimizer().lr()).isEqualTo(0.125);
    assertThat(e.training().labelSmoothing()).isEqualTo(0.1);
    assertThat(e.concepts().get("snakes").classIds()).hasSize(17).startsWith(52).endsWith(68);
    assertThat(e.probes().layers())
        .containsExactly("layer1.0.conv2", "layer1", "layer2", "layer3", "layer4");
    assertThat(e.prune().sizes()).containsExactly(10000);
    assertThat(e.prune().layer()).contains("layer3");
    assertThat(e.probes().epochsFor(e.concepts().get("snakes"))).isEqualTo(20);
    assertThat(e.probes().epochsFor(e.concepts().get("high-low"))).isEqualTo(50);
  }

  @Test
  void includesAndOverridesApply() {
    Experiment e = load("quickstart.conf", plan("probes.layers=[layer3]", "training.epochs = 2"));
    assertThat(e.probes().layers()).containsExactly("layer3");
    assertThat(e.training().epochs()).isEqualTo(2);
    // from base/small-cpu.conf
    assertThat(e.training().optimizer().nesterov()).isTrue();
    assertThat(e.concepts().get("wavy").classIds()).containsExactly(5, 6);
    assertThat(e.exclude()).isPresent();
  }

  @Test
  void missingDataFailsOnlyWhenDataIsNeeded() {
    Experiment planned =
        load(
            "fashion-mnist.conf",
            plan("data.train.path=/nonexistent/fmnist", "data.val.path=/nonexistent/fmnist"));
    assertThat(planned.data().train().size()).hasValue(6000);
    assertThatThrownBy(
            () ->
                load(
                    "fashion-mnist.conf",
                    new ExperimentLoader.Options(
                        List.of(
                            "data.train.path=/nonexistent/fmnist",
                            "data.val.path=/nonexistent/fmnist"),
                        false,
                        true,
                        false)))
        .isInstanceOf(ExperimentException.class)
        .hasMessage(
            "--set data.train.path=/nonexistent/fmnist: data.train.path: no such directory: /nonexistent/fmnist\n"
                + "--set data.val.path=/nonexistent/fmnist: data.val.path: no such directory: /nonexistent/fmnist");
  }

  /** Writes a study that includes quickstart.conf and then {@code body}, from line 2 on. */
  private static Path study(Path dir, String body) throws java.io.IOException {
    Path file = dir.resolve("study.conf");
    java.nio.file.Files.writeString(
        file,
        "include file(\""
            + EXPERIMENTS.resolve("quickstart.conf").toAbsolutePath().normalize()
            + "\")\n"
            + body);
    return file;
  }

  private static List<String> problems(Path file) {
    try {
      new ExperimentLoader(plan(), Optional.empty()).load(file);
    } catch (ExperimentException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
    return List.of();
  }

  @Test
  void aSparsityEqualToTheLayersWidthIsRejectedWhereItIsWritten(@TempDir Path dir)
      throws Exception {
    // quickstart's resnet10 at width 0.125 has 32 channels in layer3: pooled, k = 32 is dense.
    Path file =
        study(
            dir,
            "probes {\n  layers = [layer3]\n  activations = pooled\n  sparsity = [dense, 32]\n}\n");
    assertThat(problems(file))
        .containsExactly(
            file
                + ":5: probes.sparsity: probe sparsity k=32 is not below the 32 features of layer"
                + " layer3 (use a dense probe or a smaller k); pooled channels");
    Path fine =
        study(
            dir,
            "probes {\n  layers = [layer3]\n  activations = pooled\n  sparsity = [dense, 31]\n}\n");
    assertThat(problems(fine)).isEmpty();
  }

  @Test
  void progressiveResolutionAndNesterovAreCheckedByTheCoresPredicates(@TempDir Path dir)
      throws Exception {
    Path file =
        study(
            dir,
            "training {\n"
                + "  progressive-resolution { enabled = true, min-size = 100, max-size = 128 }\n"
                + "  optimizer { name = sgd, momentum = 0, nesterov = true }\n"
                + "}\n");
    assertThat(problems(file))
        .containsExactlyInAnyOrder(
            file
                + ":3: training.progressive-resolution.min-size: min-size and max-size must be"
                + " multiples of 32 (sizes are rounded to them), got 100 and 128",
            file + ":4: training.optimizer.nesterov: Nesterov momentum needs momentum > 0");
  }

  @Test
  void aSparseProbeWithOneEpochIsRejectedBeforeAnyTraining(@TempDir Path dir) throws Exception {
    // quickstart lists sparsity 16; a sparse probe trains half its epochs densely.
    Path file = study(dir, "concepts.wavy.probe-epochs = 1\n");
    assertThat(problems(file))
        .containsExactly(
            file
                + ":2: concepts.wavy.probe-epochs: a sparse probe needs >= 2 epochs (half dense,"
                + " half sparse), got 1 (probes.sparsity has 16)");
    assertThat(problems(study(dir, "concepts.wavy.probe-epochs = 2\n"))).isEmpty();
  }

  @Test
  void targetsArePseudoLabelledByTheProbeUnlessTheFileAsksForConceptLabels() {
    assertThat(load("quickstart.conf", plan()).attribution().targetLabels())
        .isEqualTo(Experiment.TargetLabels.PROBE);
    assertThat(
            load("quickstart.conf", plan("attribution.target-labels = concept"))
                .attribution()
                .targetLabels())
        .isEqualTo(Experiment.TargetLabels.CONCEPT);
    assertThat(
            load("quickstart.conf", plan("attribution.targets = concept-positives"))
                .attribution()
                .targets())
        .isEqualTo(Experiment.Targets.CONCEPT_POSITIVES);
    assertThatThrownBy(
            () ->
                load(
                    "quickstart.conf",
                    plan("attribution.targets = val", "attribution.target-labels = concept")))
        .isInstanceOf(ExperimentException.class)
        .hasMessageContaining("attribution.target-labels: concept labels exist only for targets");
  }

  @Test
  void attributionMethodIsOneNameOrAListOfKnownNames() {
    assertThat(load("quickstart.conf", plan()).attribution().methods()).containsExactly("trak");
    assertThat(
            load("quickstart.conf", plan("attribution.method = [trak, grad-cos, random]"))
                .attribution()
                .methods())
        .containsExactly("trak", "grad-cos", "random");
    assertThat(load("estimators.conf", plan()).attribution().methods())
        .containsExactly("trak", "grad-dot", "grad-cos", "random");
    assertThatThrownBy(() -> load("quickstart.conf", plan("attribution.method = [trak, trk]")))
        .isInstanceOf(ExperimentException.class)
        .hasMessageContaining("attribution.method: unknown method 'trk'")
        .hasMessageContaining("(did you mean trak?)");
    assertThatThrownBy(() -> load("quickstart.conf", plan("attribution.method = [trak, trak]")))
        .hasMessageContaining("attribution.method: method trak is listed twice");
    assertThatThrownBy(() -> load("quickstart.conf", plan("attribution.method = []")))
        .hasMessageContaining("attribution.method: empty");
  }

  @Test
  void suggestionsFindTyposAndSwaps() {
    assertThat(Suggestions.nearest("sparsty", List.of("sparsity", "layers"))).contains("sparsity");
    assertThat(Suggestions.nearest("lyaers", List.of("sparsity", "layers"))).contains("layers");
    assertThat(Suggestions.nearest("banana", List.of("sparsity", "layers"))).isEmpty();
  }
}
