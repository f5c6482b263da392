package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

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
    assertThat(e.architecture().name()).isEqualTo("resnet18");
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
