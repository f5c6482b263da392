package io.conceptrace.core.nn;

/**
 * One network architecture, described once: {@link #describe} is written against {@link Ops}, and
 * the same description is read three ways. With shapes, it declares the arrays (names, shapes,
 * initialisation) and lists the named layers with their output shapes ({@link LayerCatalog}); with
 * arrays, it is the forward pass ({@link Network}), reading parameters from a map that may hold
 * per-example copies. Nothing else names a parameter or a layer, so the three cannot drift apart.
 *
 * <p>Implementations are immutable and hold only the {@link ArchitectureSpec}'s sizes.
 */
public interface Architecture {

  /** The network, from the input to the logits, in forward order. */
  <T> T describe(Ops<T> ops, T input);

  /**
   * The operations an architecture is made of. {@code T} is an array [B, C, H, W] (or [B, F] after
   * pooling) when the description runs as the forward pass, and a shape when it declares.
   *
   * <p>Parameter names are torchvision's: a module called {@code m} owns {@code m.weight} (and for
   * batch norms {@code m.bias}, {@code m.running_mean}, {@code m.running_var}; for {@code linear}
   * {@code m.bias}). Only {@link #layer} makes a value a catalogued layer.
   */
  interface Ops<T> {
    /**
     * Convolution without bias (a batch norm follows); weight {@code module.weight} [O, C, k, k].
     */
    T conv(String module, T x, int outChannels, int kernel, int stride, int padding);

    /** Batch normalisation over the channels (PyTorch's eps and momentum). */
    T batchNorm(String module, T x);

    T relu(T x);

    /** torchvision's stem max-pool: 3×3, stride 2, padding 1. */
    T maxPool3x3s2(T x);

    /** Element-wise sum of two values of equal shape (a residual connection). */
    T add(T a, T b);

    /** Average over the spatial axes: [B, C, H, W] → [B, C]. */
    T globalAvgPool(T x);

    /** Fully connected layer with bias: {@code module.weight} [O, F], {@code module.bias} [O]. */
    T linear(String module, T x, int outFeatures);

    /** Names {@code value} as the output of the catalogued layer {@code name}; returns it. */
    T layer(String name, T value);
  }
}
