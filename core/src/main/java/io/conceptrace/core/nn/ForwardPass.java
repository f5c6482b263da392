package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An architecture's description read with arrays: one forward pass up to a target layer, in a
 * batch-norm {@link Mode}, with the caller's parameters where given (possibly per-example).
 *
 * <p>Once the target layer is reached every further operation returns its input untouched, so
 * nothing after the target is computed or read. A downsample module computed alone (nothing
 * collected) skips its block's main path, which it does not depend on.
 */
final class ForwardPass implements Architecture.Ops<NDArray> {
  private final String target;
  private final Mode mode;
  private final Map<String, NDArray> override;
  private final Map<String, NDArray> parameters;
  private final Map<String, NDArray> buffers;
  private final Set<String> collect;
  private final String skippedBlock;
  private final Map<String, NDArray> outputs = new LinkedHashMap<>();
  private NDArray result;

  ForwardPass(
      String target,
      Mode mode,
      Map<String, NDArray> override,
      Map<String, NDArray> parameters,
      Map<String, NDArray> buffers,
      Set<String> collect) {
    this.target = target;
    this.mode = mode;
    this.override = override;
    this.parameters = parameters;
    this.buffers = buffers;
    this.collect = collect;
    this.skippedBlock = collect.isEmpty() ? shortcutBlock(target) : null;
  }

  /** The block whose main path a downsample layer does not need ({@code layerS.B.}), or null. */
  static String shortcutBlock(String layer) {
    int ds = layer.indexOf(".downsample.");
    return ds < 0 ? null : layer.substring(0, ds + 1);
  }

  /** Whether a module or parameter name lies on {@code block}'s main path (not its shortcut). */
  static boolean onMainPath(String name, String block) {
    return name.startsWith(block) && !name.startsWith(block + "downsample.");
  }

  /** The target layer's output; null until the description has run. */
  NDArray result() {
    return result;
  }

  /** The collected layers' outputs, in the order the pass produced them. */
  Map<String, NDArray> outputs() {
    return outputs;
  }

  private boolean skips(String module) {
    return result != null || (skippedBlock != null && onMainPath(module, skippedBlock));
  }

  private NDArray param(String name) {
    NDArray a = override.get(name);
    return a != null ? a : parameters.get(name);
  }

  @Override
  public NDArray conv(
      String module, NDArray x, int outChannels, int kernel, int stride, int padding) {
    return skips(module) ? x : FunctionalOps.conv2d(x, param(module + ".weight"), stride, padding);
  }

  @Override
  public NDArray batchNorm(String module, NDArray x) {
    if (skips(module)) {
      return x;
    }
    return FunctionalOps.batchNorm(
        x,
        param(module + ".weight"),
        param(module + ".bias"),
        buffers.get(module + ".running_mean"),
        buffers.get(module + ".running_var"),
        mode);
  }

  /*
   * Unnamed operations stop only at the target. On a skipped main path they see the block input,
   * which costs one ReLU of it and is never used.
   */

  @Override
  public NDArray relu(NDArray x) {
    return result != null ? x : FunctionalOps.relu(x);
  }

  @Override
  public NDArray maxPool3x3s2(NDArray x) {
    return result != null ? x : FunctionalOps.maxPool3x3s2(x);
  }

  @Override
  public NDArray add(NDArray a, NDArray b) {
    return result != null ? a : a.add(b);
  }

  @Override
  public NDArray globalAvgPool(NDArray x) {
    return result != null ? x : FunctionalOps.globalAvgPool(x);
  }

  @Override
  public NDArray linear(String module, NDArray x, int outFeatures) {
    return skips(module)
        ? x
        : FunctionalOps.linear(x, param(module + ".weight"), param(module + ".bias"));
  }

  @Override
  public NDArray layer(String name, NDArray value) {
    if (result != null) {
      return value;
    }
    if (collect.contains(name)) {
      outputs.put(name, value);
    }
    if (name.equals(target)) {
      result = value;
    }
    return value;
  }
}
