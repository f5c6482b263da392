package io.conceptrace.core.nn;

import java.util.List;

/**
 * torchvision's ResNet with basic blocks ({@code resnet10/18/34}), at a width multiplier and with
 * either stem. Names and layout follow torchvision's {@code resnet.py}: {@code conv1, bn1, relu,
 * maxpool, layerS.B.{conv1, bn1, conv2, bn2, downsample.0, downsample.1}, layerS.B, layerS,
 * avgpool, fc}; a block has a downsample (1×1 convolution and batch norm) where its stride or its
 * channels change. The small stem (for 32×32 images) is a 3×3 stride-1 convolution and no max-pool.
 *
 * @param blocksPerStage residual blocks in layer1 … layer4
 */
record ResNet(ArchitectureSpec spec, List<Integer> blocksPerStage) implements Architecture {
  ResNet {
    if (blocksPerStage.size() != 4) {
      throw new IllegalArgumentException("a ResNet has 4 stages, got " + blocksPerStage);
    }
    blocksPerStage = List.copyOf(blocksPerStage);
  }

  @Override
  public <T> T describe(Ops<T> ops, T input) {
    int channels = spec.channels(64);
    boolean small = spec.smallStem();
    int stemKernel = small ? 3 : 7;
    int stemStride = small ? 1 : 2;
    int stemPadding = small ? 1 : 3;
    T h =
        ops.layer("conv1", ops.conv("conv1", input, channels, stemKernel, stemStride, stemPadding));
    h = ops.layer("bn1", ops.batchNorm("bn1", h));
    h = ops.layer("relu", ops.relu(h));
    if (!small) {
      h = ops.layer("maxpool", ops.maxPool3x3s2(h));
    }
    for (int stage = 0; stage < 4; stage++) {
      int outChannels = spec.channels(64 << stage);
      String stageName = "layer" + (stage + 1);
      for (int b = 0; b < blocksPerStage.get(stage); b++) {
        int stride = (stage > 0 && b == 0) ? 2 : 1;
        h = basicBlock(ops, stageName + "." + b, h, channels, outChannels, stride);
        channels = outChannels;
      }
      h = ops.layer(stageName, h);
    }
    h = ops.layer("avgpool", ops.globalAvgPool(h));
    return ops.layer("fc", ops.linear("fc", h, spec.classes()));
  }

  /** torchvision's {@code BasicBlock}: two 3×3 convolutions and the shortcut, then ReLU. */
  private static <T> T basicBlock(
      Ops<T> ops, String block, T x, int inChannels, int outChannels, int stride) {
    T out = ops.layer(block + ".conv1", ops.conv(block + ".conv1", x, outChannels, 3, stride, 1));
    out = ops.layer(block + ".bn1", ops.batchNorm(block + ".bn1", out));
    out = ops.relu(out);
    out = ops.layer(block + ".conv2", ops.conv(block + ".conv2", out, outChannels, 3, 1, 1));
    out = ops.layer(block + ".bn2", ops.batchNorm(block + ".bn2", out));
    T identity = x;
    if (stride != 1 || inChannels != outChannels) {
      String ds = block + ".downsample.";
      identity = ops.layer(ds + "0", ops.conv(ds + "0", x, outChannels, 1, stride, 0));
      identity = ops.layer(ds + "1", ops.batchNorm(ds + "1", identity));
    }
    return ops.layer(block, ops.relu(ops.add(out, identity)));
  }
}
