package io.conceptrace.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.conceptrace.dsl.Experiment.OptimizerName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After a problem a key reads as its documented default (defaults.conf, concept-defaults.conf), and
 * no check of another key is made against that stand-in value.
 */
class FallbackTest {
  @TempDir Path dir;

  @Test
  void aBadValueReadsAsTheDefaultOfItsOwnPath() {
    ConfigReader r =
        new ConfigReader(
            ConfigFactory.parseString(
                "training.optimizer.name = x, probes.optimizer.name = x, training.epochs = x,"
                    + " concepts.c.test-fraction = 7, training.weight-decay-batchnorm = 3"),
            "t.conf");
    // One enum, two defaults: the probes' optimizer is adam, the base models' sgd.
    assertThat(r.choice("training.optimizer.name", OptimizerName.class))
        .isEqualTo(OptimizerName.SGD);
    assertThat(r.choice("probes.optimizer.name", OptimizerName.class))
        .isEqualTo(OptimizerName.ADAM);
    assertThat(r.integer("training.epochs", 1, 100_000)).isEqualTo(8);
    assertThat(r.number("concepts.c.test-fraction", 0, true, 1, true)).isEqualTo(0.2);
    assertThat(r.bool("training.weight-decay-batchnorm")).isFalse();
    assertThat(r.problems()).hasSize(5);
  }

  @Test
  void aKeyWithoutADefaultHasNoFallback() {
    ConfigReader r = new ConfigReader(ConfigFactory.parseString("data.classes = x"), "t.conf");
    assertThatThrownBy(() -> r.integer("data.classes", 2, 100_000))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("data.classes");
    assertThat(r.optionalInteger("data.classes", 2, 100_000)).isEmpty();
  }

  private List<String> problems(String body) throws Exception {
    Path file = dir.resolve("study.conf");
    Files.writeString(
        file,
        "include file(\""
            + Path.of("../experiments/quickstart.conf").toAbsolutePath().normalize()
            + "\")\n"
            + body);
    try {
      new ExperimentLoader(
              new ExperimentLoader.Options(List.of(), false, false, false), Optional.empty())
          .load(file);
    } catch (ExperimentException e) {
      return e.problems().stream().map(p -> p.path() + ": " + p.message()).toList();
    }
    return List.of();
  }

  @Test
  void aCheckAgainstAKeyThatHadAProblemIsNotMade() throws Exception {
    // Each second line is fine on its own terms; only the first key is wrong.
    assertThat(problems("training.epochs = x\ntraining.schedule.peak-epoch = 5\n"))
        .containsExactly("training.epochs: must be an integer, got string \"x\"");
    assertThat(problems("training.ensemble = 0\nattribution.pseudo-labels = 2\n"))
        .containsExactly("training.ensemble: must be between 1 and 10000, got 0");
    assertThat(problems("training.ensemble = 2\nattribution.pseudo-labels = 2\n"))
        .containsExactly("attribution.pseudo-labels: must name an ensemble member 0..1, got 2");
  }
}
