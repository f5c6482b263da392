package io.conceptrace.core.nn;

/**
 * {@code small-cnn}: a 3×3 convolution, batch norm and ReLU stem of 16·w channels, then {@code
 * layer1 … layer3}, each a torch-style {@code Sequential(conv3×3, batch norm, ReLU)} (so its
 * parameters are {@code layerN.0.weight} and {@code layerN.1.weight/bias}) with 32·w, 64·w and
 * 128·w channels and stride 1, 2, 2; global average pool and {@code fc}. The stem is always small.
 */
record SmallCnn(ArchitectureSpec spec) implements Architecture {
  private static final int[] STAGE_CHANNELS = {32, 64, 128};

  @Override
  public <T> T describe(Ops<T> ops, T input) {
    T h = ops.layer("conv1", ops.conv("conv1", input, spec.channels(16), 3, 1, 1));
    h = ops.layer("bn1", ops.batchNorm("bn1", h));
    h = ops.layer("relu", ops.relu(h));
    for (int i = 0; i < STAGE_CHANNELS.length; i++) {
      String layer = "layer" + (i + 1);
      h = ops.conv(layer + ".0", h, spec.channels(STAGE_CHANNELS[i]), 3, i == 0 ? 1 : 2, 1);
      h = ops.layer(layer, ops.relu(ops.batchNorm(layer + ".1", h)));
    }
    h = ops.layer("avgpool", ops.globalAvgPool(h));
    return ops.layer("fc", ops.linear("fc", h, spec.classes()));
  }
}
