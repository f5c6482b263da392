package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LayerCatalogTest {
  @Test
  void resnet18SmallStemMatchesTorchvisionNamesAndShapes() {
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 1.0, true, 3, 32, 10);
    assertThat(LayerCatalog.names(spec))
        .startsWith("conv1", "bn1", "relu", "layer1.0.conv1")
        .contains("layer2.0.downsample.0", "layer1.1", "layer4", "fc")
        .doesNotContain("maxpool", "layer1.0.downsample.0");
    assertThat(LayerCatalog.find(spec, "layer3").orElseThrow().shape()).containsExactly(256, 8, 8);
    assertThat(LayerCatalog.find(spec, "layer4").orElseThrow().flatSize()).isEqualTo(512 * 16);
    assertThat(LayerCatalog.find(spec, "fc").orElseThrow().shape()).containsExactly(10);
  }

  @Test
  void imagenetStemHalvesTwiceAndHasMaxPool() {
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 1.0, false, 3, 224, 1000);
    assertThat(LayerCatalog.find(spec, "maxpool").orElseThrow().shape())
        .containsExactly(64, 56, 56);
    assertThat(LayerCatalog.find(spec, "layer4").orElseThrow().shape()).containsExactly(512, 7, 7);
  }

  @Test
  void resnet34HasSixBlocksInLayer3AndWidthScalesChannels() {
    ArchitectureSpec spec = new ArchitectureSpec("resnet34", 0.25, true, 1, 28, 10);
    assertThat(LayerCatalog.names(spec)).contains("layer3.5").doesNotContain("layer3.6");
    assertThat(LayerCatalog.find(spec, "layer1").orElseThrow().shape()).containsExactly(16, 28, 28);
  }

  @Test
  void smallCnnNames() {
    ArchitectureSpec spec = new ArchitectureSpec("small-cnn", 1.0, true, 3, 32, 10);
    assertThat(LayerCatalog.names(spec))
        .containsExactly("conv1", "bn1", "relu", "layer1", "layer2", "layer3", "avgpool", "fc");
    assertThat(LayerCatalog.find(spec, "layer3").orElseThrow().shape()).containsExactly(128, 8, 8);
  }

  @Test
  void rejectsUnknownArchitecture() {
    assertThatThrownBy(() -> new ArchitectureSpec("vgg16", 1, true, 3, 32, 10))
        .hasMessage("unknown architecture 'vgg16'; known: resnet10, resnet18, resnet34, small-cnn");
  }
}
