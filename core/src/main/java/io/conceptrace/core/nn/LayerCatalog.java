package io.conceptrace.core.nn;

import java.util.List;
import java.util.Optional;

/**
 * The named modules of each architecture, in forward order, with their output shapes. This is the
 * contract between the networks, the experiment language (which validates layer names and probe
 * widths against it) and attribution. It is read off the architecture's own description ({@link
 * Architecture#describe}), the same code that is the forward pass, so it cannot disagree with it.
 *
 * <p>Names follow torchvision's ResNet: {@code conv1, bn1, relu, maxpool, layer1 … layer4,
 * layerS.B, layerS.B.conv1, layerS.B.bn1, layerS.B.conv2, layerS.B.bn2, layerS.B.downsample.0/1,
 * avgpool, fc}. The small stem has no {@code maxpool}. {@code small-cnn} uses {@code conv1, bn1,
 * relu, layer1, layer2, layer3, avgpool, fc} (see {@link SmallCnn}).
 */
public final class LayerCatalog {
  private LayerCatalog() {}

  /** Every named module, in forward order. */
  public static List<LayerInfo> layers(ArchitectureSpec spec) {
    return Blueprint.of(spec).layers();
  }

  /** The names alone, in forward order. */
  public static List<String> names(ArchitectureSpec spec) {
    return layers(spec).stream().map(LayerInfo::name).toList();
  }

  public static Optional<LayerInfo> find(ArchitectureSpec spec, String name) {
    return layers(spec).stream().filter(l -> l.name().equals(name)).findFirst();
  }

  /**
   * Layers a user would normally probe: the stem output and every stage and block output (no
   * individual convolutions or batch norms), in forward order.
   */
  public static List<String> probeableSummary(ArchitectureSpec spec) {
    return names(spec).stream()
        .filter(n -> n.equals("conv1") || n.matches("layer\\d+(\\.\\d+)?") || n.equals("avgpool"))
        .toList();
  }
}
