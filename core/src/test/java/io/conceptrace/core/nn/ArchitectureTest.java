package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArchitectureTest {
  private static final ArchitectureSpec SPEC =
      new ArchitectureSpec("resnet10", 0.25, true, 3, 16, 4);

  @Test
  void namesAreTheUserFacingStringsInJsonAndMessages() throws Exception {
    assertThat(ArchitectureSpec.NAMES)
        .containsExactly("resnet10", "resnet18", "resnet34", "small-cnn");
    assertThat(ArchitectureName.of("Small-CNN")).isEqualTo(ArchitectureName.SMALL_CNN);
    assertThat("arch " + ArchitectureName.RESNET34).isEqualTo("arch resnet34");
    // Sidecars and cell ids hold the user-facing name; it must not become RESNET18.
    ObjectMapper json = new ObjectMapper();
    ArchitectureSpec spec = new ArchitectureSpec("resnet18", 0.5, false, 1, 28, 10);
    String text = json.writeValueAsString(spec);
    assertThat(text).contains("\"name\":\"resnet18\"");
    assertThat(json.readValue(text, ArchitectureSpec.class)).isEqualTo(spec);
    assertThat(json.writeValueAsString(ArchitectureName.SMALL_CNN)).isEqualTo("\"small-cnn\"");
    assertThatThrownBy(
            () -> json.readValue(text.replace("resnet18", "vgg"), ArchitectureSpec.class))
        .hasMessageContaining("unknown architecture 'vgg'");
  }

  @Test
  void everyNameBuildsItsOwnArchitecture() {
    assertThat(ArchitectureName.RESNET34.architecture(SPEC))
        .isEqualTo(new ResNet(SPEC, List.of(3, 4, 6, 3)));
    assertThat(ArchitectureName.SMALL_CNN.architecture(SPEC)).isInstanceOf(SmallCnn.class);
    // resnet18 has two blocks per stage: layer4.1 exists, layer4.2 does not.
    ArchitectureSpec r18 = new ArchitectureSpec("resnet18", 0.25, true, 3, 16, 4);
    assertThat(LayerCatalog.names(r18)).contains("layer4.1").doesNotContain("layer4.2");
  }

  @Test
  void theCatalogueAndTheDeclarationsComeFromTheSameDescription() {
    Blueprint b = Blueprint.of(SPEC);
    // Every parametrised module declared is a catalogued layer, in the same order.
    List<String> modules =
        b.arrays().stream()
            .map(d -> d.name().substring(0, d.name().lastIndexOf('.')))
            .distinct()
            .toList();
    assertThat(LayerCatalog.names(SPEC)).containsSubsequence(modules);
    assertThat(b.arrays().get(0).shape()).containsExactly(16, 3, 3, 3);
    // The standard stem halves twice: 7x7/2 then the 3x3/2 max-pool (floor formula, odd size).
    ArchitectureSpec odd = new ArchitectureSpec("resnet10", 0.25, false, 3, 29, 4);
    assertThat(LayerCatalog.find(odd, "conv1").orElseThrow().shape()).containsExactly(16, 15, 15);
    assertThat(LayerCatalog.find(odd, "maxpool").orElseThrow().shape()).containsExactly(16, 8, 8);
    assertThat(LayerCatalog.find(odd, "layer4").orElseThrow().shape()).containsExactly(128, 1, 1);
  }

  @Test
  void anInconsistentDescriptionFailsWhenItIsDeclared() {
    // A residual block whose shortcut forgot the downsample: the sum of two shapes.
    Architecture broken =
        new Architecture() {
          @Override
          public <T> T describe(Ops<T> ops, T input) {
            T h = ops.conv("conv1", input, 8, 3, 2, 1);
            h = ops.layer("block", ops.add(h, input));
            return ops.layer("fc", ops.linear("fc", ops.globalAvgPool(h), 4));
          }
        };
    assertThatThrownBy(() -> Blueprint.of(SPEC, broken))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("residual sum of [8, 8, 8] and [3, 16, 16]");
    Architecture twice =
        new Architecture() {
          @Override
          public <T> T describe(Ops<T> ops, T input) {
            T h = ops.layer("conv1", ops.conv("conv1", input, 8, 3, 1, 1));
            return ops.layer("conv1", ops.linear("fc", ops.globalAvgPool(h), 4));
          }
        };
    assertThatThrownBy(() -> Blueprint.of(SPEC, twice)).hasMessage("layer conv1 is named twice");
  }
}
