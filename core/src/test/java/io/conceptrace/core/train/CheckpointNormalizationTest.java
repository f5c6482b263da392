package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Normalization;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointNormalizationTest {
  private static final Path FILE = Path.of("m0.safetensors");

  @Test
  void whatIsWrittenIsReadBackExactly() {
    Normalization fashion = Normalization.fashionMnist(3);
    Map<String, String> meta = CheckpointNormalization.metadata(fashion);
    assertThat(meta).containsEntry("normalization.mean", "[0.286, 0.286, 0.286]");
    assertThat(CheckpointNormalization.read(meta, FILE, 3)).contains(fashion);
    assertThat(
            CheckpointNormalization.read(
                CheckpointNormalization.metadata(Normalization.CIFAR10), FILE, 3))
        .contains(Normalization.CIFAR10);
  }

  @Test
  void aFileWithoutTheKeysHasNone() {
    assertThat(CheckpointNormalization.read(Map.of("format", "pt"), FILE, 3)).isEmpty();
  }

  @Test
  void badValuesAreOneLineNamingTheFile() {
    assertThatThrownBy(
            () -> CheckpointNormalization.read(Map.of("normalization.mean", "[0.5]"), FILE, 1))
        .isInstanceOf(BadInputException.class)
        .hasMessage("m0.safetensors: metadata has normalization.mean but not normalization.std");
    assertThatThrownBy(
            () ->
                CheckpointNormalization.read(
                    Map.of("normalization.mean", "0.5", "normalization.std", "[0.2]"), FILE, 1))
        .hasMessage(
            "m0.safetensors: metadata normalization.mean must be a JSON array of 1 number(s), got"
                + " '0.5'");
    assertThatThrownBy(
            () ->
                CheckpointNormalization.read(
                    Map.of("normalization.mean", "[0.5]", "normalization.std", "[0]"), FILE, 1))
        .hasMessage("m0.safetensors: metadata normalization.std must be > 0, got 0.0");
  }
}
