package io.conceptrace.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The named modules of each architecture, in forward order, with their output shapes. This is the
 * contract between the networks (which must expose exactly these names), the experiment language
 * (which validates layer names and probe widths against it) and attribution.
 *
 * <p>Names follow torchvision's ResNet: {@code conv1, bn1, relu, maxpool, layer1 … layer4,
 * layerS.B, layerS.B.conv1, layerS.B.bn1, layerS.B.conv2, layerS.B.bn2, layerS.B.downsample.0/1,
 * avgpool, fc}. The small stem has no {@code maxpool}. {@code small-cnn} uses {@code conv1, bn1,
 * relu, layer1, layer2, layer3, avgpool, fc}, where each {@code layerN} is conv3×3 → batch norm →
 * ReLU (stride 2 for layer2 and layer3), with 32·w, 64·w and 128·w channels after a 16·w-channel
 * stem.
 */
public final class LayerCatalog {
  private LayerCatalog() {}

  /** Every named module, in forward order. */
  public static List<LayerInfo> layers(ArchitectureSpec spec) {
    return spec.name().equals("small-cnn") ? smallCnn(spec) : resnet(spec);
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

  private static List<LayerInfo> smallCnn(ArchitectureSpec s) {
    List<LayerInfo> out = new ArrayList<>();
    int size = s.imageSize();
    int c0 = s.channels(16);
    out.add(new LayerInfo("conv1", new int[] {c0, size, size}));
    out.add(new LayerInfo("bn1", new int[] {c0, size, size}));
    out.add(new LayerInfo("relu", new int[] {c0, size, size}));
    int[] base = {32, 64, 128};
    for (int i = 0; i < 3; i++) {
      if (i > 0) {
        size = down(size);
      }
      out.add(new LayerInfo("layer" + (i + 1), new int[] {s.channels(base[i]), size, size}));
    }
    out.add(new LayerInfo("avgpool", new int[] {s.channels(128)}));
    out.add(new LayerInfo("fc", new int[] {s.classes()}));
    return out;
  }

  private static List<LayerInfo> resnet(ArchitectureSpec s) {
    List<LayerInfo> out = new ArrayList<>();
    int size = s.imageSize();
    int c = s.channels(64);
    if (s.smallStem()) {
      out.add(new LayerInfo("conv1", new int[] {c, size, size}));
      out.add(new LayerInfo("bn1", new int[] {c, size, size}));
      out.add(new LayerInfo("relu", new int[] {c, size, size}));
    } else {
      size = down(size); // 7×7, stride 2, padding 3
      out.add(new LayerInfo("conv1", new int[] {c, size, size}));
      out.add(new LayerInfo("bn1", new int[] {c, size, size}));
      out.add(new LayerInfo("relu", new int[] {c, size, size}));
      size = down(size); // 3×3, stride 2, padding 1
      out.add(new LayerInfo("maxpool", new int[] {c, size, size}));
    }
    int[] blocks = s.blocksPerStage();
    int inChannels = c;
    for (int stage = 0; stage < 4; stage++) {
      int outChannels = s.channels(64 << stage);
      String stageName = "layer" + (stage + 1);
      for (int b = 0; b < blocks[stage]; b++) {
        int stride = (stage > 0 && b == 0) ? 2 : 1;
        int outSize = stride == 2 ? down(size) : size;
        String block = stageName + "." + b;
        int[] shape = {outChannels, outSize, outSize};
        out.add(new LayerInfo(block + ".conv1", shape));
        out.add(new LayerInfo(block + ".bn1", shape));
        out.add(new LayerInfo(block + ".conv2", shape));
        out.add(new LayerInfo(block + ".bn2", shape));
        if (stride != 1 || inChannels != outChannels) {
          out.add(new LayerInfo(block + ".downsample.0", shape));
          out.add(new LayerInfo(block + ".downsample.1", shape));
        }
        out.add(new LayerInfo(block, shape));
        inChannels = outChannels;
        size = outSize;
      }
      out.add(new LayerInfo(stageName, new int[] {inChannels, size, size}));
    }
    out.add(new LayerInfo("avgpool", new int[] {inChannels}));
    out.add(new LayerInfo("fc", new int[] {s.classes()}));
    return out;
  }

  /** Output side of a 3×3/stride-2/padding-1 (or 7×7/2/3) convolution or pooling. */
  private static int down(int size) {
    return (size + 1) / 2;
  }
}
