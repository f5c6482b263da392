package io.conceptrace.core.concept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.concept.ActivationConcept.Combine;
import io.conceptrace.core.concept.ActivationConcept.Selection;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript module traced by real PyTorch (src/test/python/torchscript_reference), loaded
 * through DJL: its outputs and the activation scores equal PyTorch's to 1e-5.
 */
class TorchScriptFeaturesTest {
  private static final Path DIR = Path.of("src/test/resources/concept/torchscript");
  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  @Test
  void reproducesPyTorchsOutputsAndScores() {
    float[] inputs = Npy.readFloat32(DIR.resolve("inputs.npy"));
    float[] expected = Npy.readFloat32(DIR.resolve("outputs.npy"));
    try (TorchScriptFeatures module =
        TorchScriptFeatures.load(DIR.resolve("conv-relu.pt"), manager)) {
      NDArray x = manager.create(inputs, new Shape(5, 3, 8, 8));
      NDArray maps = module.apply(x);
      assertThat(maps.getShape()).isEqualTo(new Shape(5, 4, 8, 8));
      float[] got = maps.toFloatArray();
      assertThat(got).hasSameSizeAs(expected);
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as("output %d", i).isCloseTo(expected[i], within(1e-5f));
      }
      assertThat(ActivationConcept.scores(maps, new Selection(List.of(1, 3), Combine.MAX, 0.5)))
          .containsExactly(Npy.readFloat64(DIR.resolve("score-max.npy")), within(1e-5));
      assertThat(ActivationConcept.scores(maps, new Selection(List.of(1, 3), Combine.SUM, 0.5)))
          .containsExactly(Npy.readFloat64(DIR.resolve("score-sum.npy")), within(1e-5));
    }
  }

  @Test
  void aMissingOrBrokenFileIsBadInput(@TempDir Path tmp) throws Exception {
    Path missing = tmp.resolve("absent.pt");
    assertThatThrownBy(() -> TorchScriptFeatures.load(missing, manager))
        .isInstanceOf(BadInputException.class)
        .hasMessage(missing + ": no such TorchScript file");
    Path junk = java.nio.file.Files.writeString(tmp.resolve("junk.pt"), "not a module");
    assertThatThrownBy(() -> TorchScriptFeatures.load(junk, manager))
        .isInstanceOf(BadInputException.class)
        .hasMessageStartingWith(junk + ": not a TorchScript module");
  }
}
