package io.conceptrace.core.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An architecture's description read with shapes: every array it declares, in forward order
 * (parameters and buffers interleaved, as PyTorch's {@code state_dict}), and every catalogued layer
 * with its output shape for one {@link ArchitectureSpec#imageSize} example. Nothing is allocated.
 */
final class Blueprint {
  private final List<ParamDecl> arrays;
  private final List<LayerInfo> layers;
  private final Map<String, Integer> arraysBefore;

  private Blueprint(List<ParamDecl> arrays, List<LayerInfo> layers, Map<String, Integer> before) {
    this.arrays = Collections.unmodifiableList(arrays);
    this.layers = Collections.unmodifiableList(layers);
    this.arraysBefore = Collections.unmodifiableMap(before);
  }

  static Blueprint of(ArchitectureSpec spec) {
    return of(spec, spec.name().architecture(spec));
  }

  /**
   * The blueprint of {@code architecture} for {@code spec}'s input.
   *
   * @throws IllegalStateException if the description is inconsistent (a residual sum of two shapes,
   *     a layer named twice, a linear layer before pooling)
   */
  static Blueprint of(ArchitectureSpec spec, Architecture architecture) {
    Declaring ops = new Declaring();
    int size = spec.imageSize();
    architecture.describe(ops, new int[] {spec.inputChannels(), size, size});
    return new Blueprint(ops.arrays, ops.layers, ops.arraysBefore);
  }

  /** Parameters and buffers in declaration (forward) order. */
  List<ParamDecl> arrays() {
    return arrays;
  }

  /** Catalogued layers in forward order. */
  List<LayerInfo> layers() {
    return layers;
  }

  /**
   * The parameters (not buffers) that computing {@code layer} reads, in declaration order: those
   * declared before the layer's output is named, except, for a downsample module, the main path of
   * its block (the shortcut reads only the block input).
   *
   * @throws IllegalArgumentException for an unknown layer
   */
  List<ParamDecl> parametersUpTo(String layer, ArchitectureSpec spec) {
    Integer count = arraysBefore.get(layer);
    if (count == null) {
      throw new IllegalArgumentException(
          "unknown layer '"
              + layer
              + "' for "
              + spec.name()
              + "; known: "
              + layers.stream().map(LayerInfo::name).toList());
    }
    String skippedBlock = ForwardPass.shortcutBlock(layer);
    List<ParamDecl> out = new ArrayList<>();
    for (ParamDecl d : arrays.subList(0, count)) {
      if (!d.buffer()
          && !(skippedBlock != null && ForwardPass.onMainPath(d.name(), skippedBlock))) {
        out.add(d);
      }
    }
    return out;
  }

  /** The interpreter that declares: values are per-example shapes [C, H, W] or [F]. */
  private static final class Declaring implements Architecture.Ops<int[]> {
    final List<ParamDecl> arrays = new ArrayList<>();
    final List<LayerInfo> layers = new ArrayList<>();
    final Map<String, Integer> arraysBefore = new LinkedHashMap<>();

    @Override
    public int[] conv(
        String module, int[] x, int outChannels, int kernel, int stride, int padding) {
      spatial(x, module);
      arrays.add(
          new ParamDecl(
              module + ".weight",
              new long[] {outChannels, x[0], kernel, kernel},
              ParamDecl.Init.CONV,
              0,
              false));
      return new int[] {
        outChannels, side(x[1], kernel, stride, padding), side(x[2], kernel, stride, padding)
      };
    }

    @Override
    public int[] batchNorm(String module, int[] x) {
      spatial(x, module);
      long[] c = {x[0]};
      arrays.add(new ParamDecl(module + ".weight", c, ParamDecl.Init.ONES, 0, false));
      arrays.add(new ParamDecl(module + ".bias", c, ParamDecl.Init.ZEROS, 0, false));
      arrays.add(new ParamDecl(module + ".running_mean", c, ParamDecl.Init.ZEROS, 0, true));
      arrays.add(new ParamDecl(module + ".running_var", c, ParamDecl.Init.ONES, 0, true));
      return x;
    }

    @Override
    public int[] relu(int[] x) {
      return x;
    }

    @Override
    public int[] maxPool3x3s2(int[] x) {
      spatial(x, "max-pool");
      return new int[] {x[0], side(x[1], 3, 2, 1), side(x[2], 3, 2, 1)};
    }

    @Override
    public int[] add(int[] a, int[] b) {
      if (!Arrays.equals(a, b)) {
        throw new IllegalStateException(
            "residual sum of " + Arrays.toString(a) + " and " + Arrays.toString(b));
      }
      return a;
    }

    @Override
    public int[] globalAvgPool(int[] x) {
      spatial(x, "average pool");
      return new int[] {x[0]};
    }

    @Override
    public int[] linear(String module, int[] x, int outFeatures) {
      if (x.length != 1) {
        throw new IllegalStateException(module + " needs a flat input, got " + Arrays.toString(x));
      }
      arrays.add(
          new ParamDecl(
              module + ".weight", new long[] {outFeatures, x[0]}, ParamDecl.Init.FC, x[0], false));
      arrays.add(
          new ParamDecl(
              module + ".bias", new long[] {outFeatures}, ParamDecl.Init.FC, x[0], false));
      return new int[] {outFeatures};
    }

    @Override
    public int[] layer(String name, int[] value) {
      if (arraysBefore.put(name, arrays.size()) != null) {
        throw new IllegalStateException("layer " + name + " is named twice");
      }
      layers.add(new LayerInfo(name, value));
      return value;
    }

    private static void spatial(int[] x, String what) {
      if (x.length != 3) {
        throw new IllegalStateException(what + " needs [C, H, W], got " + Arrays.toString(x));
      }
    }

    /** Output side of a convolution or pooling window (PyTorch's floor formula). */
    private static int side(int size, int kernel, int stride, int padding) {
      return (size + 2 * padding - kernel) / stride + 1;
    }
  }
}
