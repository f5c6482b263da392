package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A functional image classifier: its parameters live in an ordered name → array map and the forward
 * pass reads them from that map, or from a caller's map that may hold per-example (expanded)
 * copies, so that attribution can take per-example gradients through the same code.
 *
 * <p>Names follow torchvision ({@code conv1.weight}, {@code layer1.0.bn1.weight}, {@code
 * layer2.0.downsample.0.weight}, {@code fc.bias}); {@code small-cnn}'s {@code layerN} is a
 * torch-style {@code Sequential(conv, bn, relu)}, so its parameters are {@code layerN.0.weight} and
 * {@code layerN.1.weight/bias}. Convolutions have no bias (a batch norm follows each).
 *
 * <p>Files: {@link NetworkFiles} reads and writes our npz checkpoints and safetensors with
 * torchvision's names.
 *
 * <p>Not thread-safe: a training forward pass updates the batch-norm running statistics in place.
 */
public final class Network implements AutoCloseable {
  private final ArchitectureSpec spec;
  private final NDManager manager;
  private final Map<String, NDArray> parameters;
  private final Map<String, NDArray> buffers;
  private final List<String> layerNames;

  private Network(
      ArchitectureSpec spec,
      NDManager manager,
      Map<String, NDArray> parameters,
      Map<String, NDArray> buffers) {
    this.spec = spec;
    this.manager = manager;
    this.parameters = Collections.unmodifiableMap(parameters);
    this.buffers = Collections.unmodifiableMap(buffers);
    this.layerNames = LayerCatalog.names(spec);
  }

  /**
   * A freshly initialised network, as torchvision initialises ResNets: convolutions Kaiming-normal
   * (fan-out, ReLU gain), batch norms weight 1 / bias 0 / running mean 0 / running variance 1, the
   * classifier uniform in ±1/√fan-in. The same seed gives the same numbers on every machine (they
   * are drawn in Java, in parameter order).
   *
   * @param manager the network's arrays live in a sub-manager of it, closed by {@link #close}
   */
  public static Network create(ArchitectureSpec spec, NDManager manager, long seed) {
    NDManager own = manager.newSubManager();
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, NDArray> params = new LinkedHashMap<>();
    Map<String, NDArray> bufs = new LinkedHashMap<>();
    for (ParamDecl d : declare(spec)) {
      float[] values = d.init(random);
      NDArray array = own.create(values, new Shape(d.shape()));
      array.setName(d.name());
      (d.buffer() ? bufs : params).put(d.name(), array);
    }
    return new Network(spec, own, params, bufs);
  }

  /** A network of already-made arrays, owned by {@code own} (file readers in this package). */
  static Network of(
      ArchitectureSpec spec,
      NDManager own,
      Map<String, NDArray> parameters,
      Map<String, NDArray> buffers) {
    parameters.forEach((name, a) -> a.setName(name));
    buffers.forEach((name, a) -> a.setName(name));
    return new Network(spec, own, parameters, buffers);
  }

  public ArchitectureSpec spec() {
    return spec;
  }

  /** The trainable arrays in forward order (unmodifiable map; the arrays themselves are live). */
  public Map<String, NDArray> parameters() {
    return parameters;
  }

  /** Batch-norm running statistics, {@code <bn>.running_mean} and {@code <bn>.running_var}. */
  public Map<String, NDArray> buffers() {
    return buffers;
  }

  /** The manager that owns this network's arrays. */
  public NDManager manager() {
    return manager;
  }

  /** Logits [B, classes]. */
  public NDArray forward(NDArray x, Mode mode) {
    return forwardTo(x, "fc", mode, Map.of());
  }

  /** The output of a named module ({@link LayerCatalog} names), unflattened: [B, C, H, W]. */
  public NDArray forwardTo(NDArray x, String layer, Mode mode) {
    return forwardTo(x, layer, mode, Map.of());
  }

  /**
   * As {@link #forwardTo(NDArray, String, Mode)} with parameters supplied by the caller (names as
   * in {@link #parameters()}). A parameter with one extra leading axis of size B is per-example:
   * conv weight [B,O,I,k,k] (a grouped convolution with groups = B), batch-norm weight/bias [B,C],
   * fc weight [B,O,I] and bias [B,O]; gradients with respect to it are per-example gradients.
   * Parameters missing from {@code params} come from {@link #parameters()}.
   */
  public NDArray forwardTo(NDArray x, String layer, Mode mode, Map<String, NDArray> params) {
    if (!layerNames.contains(layer)) {
      throw new IllegalArgumentException(
          "unknown layer '" + layer + "' for " + spec.name() + "; known: " + layerNames);
    }
    checkInput(x);
    for (String name : params.keySet()) {
      if (!parameters.containsKey(name)) {
        throw new IllegalArgumentException("unknown parameter '" + name + "'");
      }
    }
    return run(x, new Pass(layer, mode, params, Set.of()));
  }

  /**
   * The outputs of several named modules from one forward pass (cheaper than one {@link #forwardTo}
   * per layer), keyed by name in forward order. The pass stops at the last of them.
   */
  public Map<String, NDArray> forwardCollect(NDArray x, Collection<String> layers, Mode mode) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("no layers to collect");
    }
    String last = null;
    for (String layer : layers) {
      int i = layerNames.indexOf(layer);
      if (i < 0) {
        throw new IllegalArgumentException(
            "unknown layer '" + layer + "' for " + spec.name() + "; known: " + layerNames);
      }
      if (last == null || i > layerNames.indexOf(last)) {
        last = layer;
      }
    }
    Pass pass = new Pass(last, mode, Map.of(), Set.copyOf(layers));
    checkInput(x);
    run(x, pass);
    Map<String, NDArray> ordered = new LinkedHashMap<>();
    for (String name : layerNames) {
      if (pass.outputs.containsKey(name)) {
        ordered.put(name, pass.outputs.get(name));
      }
    }
    return ordered;
  }

  private NDArray run(NDArray x, Pass pass) {
    return spec.name().equals("small-cnn") ? smallCnn(x, pass) : resnet(x, pass);
  }

  private void checkInput(NDArray x) {
    Shape xs = x.getShape();
    if (xs.dimension() != 4 || xs.get(1) != spec.inputChannels()) {
      throw new IllegalArgumentException(
          "input must be [B, " + spec.inputChannels() + ", H, W], got " + xs);
    }
  }

  /**
   * The parameters that computing {@code layer} reads, in {@link #parameters()} order (for a
   * downsample module: everything before its block plus the downsample itself).
   */
  public List<String> parameterNamesUpTo(String layer) {
    return namesUpTo(spec, parameters.keySet(), layerNames, layer);
  }

  /**
   * The number of values of each parameter that computing {@code layer} reads, in parameter order,
   * computed from the architecture alone (no arrays are created): what attribution's gradient
   * length P is made of, for estimates made before anything trains.
   */
  public static Map<String, Long> parameterSizesUpTo(ArchitectureSpec spec, String layer) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    for (ParamDecl d : declare(spec)) {
      if (!d.buffer()) {
        long n = 1;
        for (long s : d.shape()) {
          n *= s;
        }
        sizes.put(d.name(), n);
      }
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (String name : namesUpTo(spec, sizes.keySet(), LayerCatalog.names(spec), layer)) {
      out.put(name, sizes.get(name));
    }
    return out;
  }

  private static List<String> namesUpTo(
      ArchitectureSpec spec, Collection<String> parameters, List<String> layerNames, String layer) {
    int target = layerNames.indexOf(layer);
    if (target < 0) {
      throw new IllegalArgumentException(
          "unknown layer '" + layer + "' for " + spec.name() + "; known: " + layerNames);
    }
    // A downsample branch starts from its block's input, so it skips the block's main path.
    String skippedBlock = null;
    int ds = layer.indexOf(".downsample.");
    if (ds >= 0) {
      skippedBlock = layer.substring(0, ds) + ".";
    }
    List<String> out = new ArrayList<>();
    for (String name : parameters) {
      int owner = layerNames.indexOf(ownerModule(layerNames, name));
      if (owner > target) {
        continue;
      }
      if (skippedBlock != null
          && name.startsWith(skippedBlock)
          && !name.startsWith(skippedBlock + "downsample.")) {
        continue;
      }
      out.add(name);
    }
    return out;
  }

  /** The catalogue module a parameter belongs to: its longest prefix that is a layer name. */
  private static String ownerModule(List<String> layerNames, String param) {
    String module = param;
    while (module.contains(".")) {
      module = module.substring(0, module.lastIndexOf('.'));
      if (layerNames.contains(module)) {
        return module;
      }
    }
    throw new IllegalStateException("parameter " + param + " belongs to no catalogue module");
  }

  @Override
  public void close() {
    manager.close();
  }

  // ---------------------------------------------------------------- forward passes

  /** One forward pass: where to stop, how batch norm behaves, and the caller's parameters. */
  private final class Pass {
    final String target;
    final Mode mode;
    final Map<String, NDArray> override;
    final Set<String> collect;
    final Map<String, NDArray> outputs = new LinkedHashMap<>();

    Pass(String target, Mode mode, Map<String, NDArray> override, Set<String> collect) {
      this.target = target;
      this.mode = mode;
      this.override = override;
      this.collect = collect;
    }

    NDArray param(String name) {
      NDArray a = override.get(name);
      return a != null ? a : parameters.get(name);
    }

    NDArray conv(String module, NDArray x, int stride, int padding) {
      return FunctionalOps.conv2d(x, param(module + ".weight"), stride, padding);
    }

    NDArray bn(String module, NDArray x) {
      return FunctionalOps.batchNorm(
          x,
          param(module + ".weight"),
          param(module + ".bias"),
          buffers.get(module + ".running_mean"),
          buffers.get(module + ".running_var"),
          mode);
    }

    NDArray fc(NDArray x) {
      return FunctionalOps.linear(x, param("fc.weight"), param("fc.bias"));
    }

    /** Records {@code value} if {@code module} is collected; true if the pass ends here. */
    boolean stops(String module, NDArray value) {
      if (collect.contains(module)) {
        outputs.put(module, value);
      }
      return module.equals(target);
    }
  }

  private NDArray resnet(NDArray x, Pass p) {
    boolean small = spec.smallStem();
    NDArray h = p.conv("conv1", x, small ? 1 : 2, small ? 1 : 3);
    if (p.stops("conv1", h)) {
      return h;
    }
    h = p.bn("bn1", h);
    if (p.stops("bn1", h)) {
      return h;
    }
    h = FunctionalOps.relu(h);
    if (p.stops("relu", h)) {
      return h;
    }
    if (!small) {
      h = FunctionalOps.maxPool3x3s2(h);
      if (p.stops("maxpool", h)) {
        return h;
      }
    }
    int[] blocks = spec.blocksPerStage();
    int inChannels = spec.channels(64);
    for (int stage = 0; stage < 4; stage++) {
      int outChannels = spec.channels(64 << stage);
      String stageName = "layer" + (stage + 1);
      for (int b = 0; b < blocks[stage]; b++) {
        int stride = (stage > 0 && b == 0) ? 2 : 1;
        String block = stageName + "." + b;
        boolean downsample = stride != 1 || inChannels != outChannels;
        if (downsample && p.collect.isEmpty() && p.target.startsWith(block + ".downsample.")) {
          // The shortcut reads only the block input: skip the main path (and its parameters).
          NDArray shortcut = p.conv(block + ".downsample.0", h, stride, 0);
          return p.stops(block + ".downsample.0", shortcut)
              ? shortcut
              : p.bn(block + ".downsample.1", shortcut);
        }
        NDArray identity = h;
        NDArray out = p.conv(block + ".conv1", h, stride, 1);
        if (p.stops(block + ".conv1", out)) {
          return out;
        }
        out = p.bn(block + ".bn1", out);
        if (p.stops(block + ".bn1", out)) {
          return out;
        }
        out = p.conv(block + ".conv2", FunctionalOps.relu(out), 1, 1);
        if (p.stops(block + ".conv2", out)) {
          return out;
        }
        out = p.bn(block + ".bn2", out);
        if (p.stops(block + ".bn2", out)) {
          return out;
        }
        if (downsample) {
          identity = p.conv(block + ".downsample.0", h, stride, 0);
          if (p.stops(block + ".downsample.0", identity)) {
            return identity;
          }
          identity = p.bn(block + ".downsample.1", identity);
          if (p.stops(block + ".downsample.1", identity)) {
            return identity;
          }
        }
        h = FunctionalOps.relu(out.add(identity));
        if (p.stops(block, h)) {
          return h;
        }
        inChannels = outChannels;
      }
      if (p.stops(stageName, h)) {
        return h;
      }
    }
    return head(h, p);
  }

  private NDArray smallCnn(NDArray x, Pass p) {
    NDArray h = p.conv("conv1", x, 1, 1);
    if (p.stops("conv1", h)) {
      return h;
    }
    h = p.bn("bn1", h);
    if (p.stops("bn1", h)) {
      return h;
    }
    h = FunctionalOps.relu(h);
    if (p.stops("relu", h)) {
      return h;
    }
    for (int i = 1; i <= 3; i++) {
      String layer = "layer" + i;
      h = p.conv(layer + ".0", h, i == 1 ? 1 : 2, 1);
      h = FunctionalOps.relu(p.bn(layer + ".1", h));
      if (p.stops(layer, h)) {
        return h;
      }
    }
    return head(h, p);
  }

  private NDArray head(NDArray h, Pass p) {
    NDArray pooled = FunctionalOps.globalAvgPool(h);
    if (p.stops("avgpool", pooled)) {
      return pooled;
    }
    NDArray logits = p.fc(pooled);
    p.stops("fc", logits);
    return logits;
  }

  // ---------------------------------------------------------------- parameter declarations

  private enum Init {
    CONV,
    ONES,
    ZEROS,
    FC
  }

  /** One array of the network: its name, shape, initialisation and whether it is a buffer. */
  record ParamDecl(String name, long[] shape, Init init, long fanIn, boolean buffer) {
    float[] init(SplittableRandom random) {
      int n = 1;
      for (long s : shape) {
        n = Math.multiplyExact(n, (int) s);
      }
      float[] v = new float[n];
      switch (init) {
        case CONV -> {
          // Kaiming normal, mode fan_out, ReLU gain: std = sqrt(2 / (out · k · k)).
          double fanOut = (double) shape[0] * shape[2] * shape[3];
          double std = Math.sqrt(2.0 / fanOut);
          for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextGaussian() * std);
          }
        }
        case ONES -> java.util.Arrays.fill(v, 1f);
        case ZEROS -> {}
        case FC -> {
          // torch.nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
          double bound = 1.0 / Math.sqrt(fanIn);
          for (int i = 0; i < n; i++) {
            v[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
          }
        }
      }
      return v;
    }
  }

  /** Every array of the architecture, parameters and buffers interleaved in forward order. */
  static List<ParamDecl> declare(ArchitectureSpec spec) {
    List<ParamDecl> out = new ArrayList<>();
    int in = spec.inputChannels();
    int last;
    if (spec.name().equals("small-cnn")) {
      int c0 = spec.channels(16);
      conv(out, "conv1", c0, in, 3);
      bn(out, "bn1", c0);
      int prev = c0;
      int[] base = {32, 64, 128};
      for (int i = 0; i < 3; i++) {
        int c = spec.channels(base[i]);
        conv(out, "layer" + (i + 1) + ".0", c, prev, 3);
        bn(out, "layer" + (i + 1) + ".1", c);
        prev = c;
      }
      last = prev;
    } else {
      int c = spec.channels(64);
      conv(out, "conv1", c, in, spec.smallStem() ? 3 : 7);
      bn(out, "bn1", c);
      int inChannels = c;
      int[] blocks = spec.blocksPerStage();
      for (int stage = 0; stage < 4; stage++) {
        int outChannels = spec.channels(64 << stage);
        for (int b = 0; b < blocks[stage]; b++) {
          int stride = (stage > 0 && b == 0) ? 2 : 1;
          String block = "layer" + (stage + 1) + "." + b;
          conv(out, block + ".conv1", outChannels, inChannels, 3);
          bn(out, block + ".bn1", outChannels);
          conv(out, block + ".conv2", outChannels, outChannels, 3);
          bn(out, block + ".bn2", outChannels);
          if (stride != 1 || inChannels != outChannels) {
            conv(out, block + ".downsample.0", outChannels, inChannels, 1);
            bn(out, block + ".downsample.1", outChannels);
          }
          inChannels = outChannels;
        }
      }
      last = inChannels;
    }
    out.add(new ParamDecl("fc.weight", new long[] {spec.classes(), last}, Init.FC, last, false));
    out.add(new ParamDecl("fc.bias", new long[] {spec.classes()}, Init.FC, last, false));
    return out;
  }

  private static void conv(List<ParamDecl> out, String module, int o, int i, int k) {
    out.add(new ParamDecl(module + ".weight", new long[] {o, i, k, k}, Init.CONV, 0, false));
  }

  private static void bn(List<ParamDecl> out, String module, int c) {
    out.add(new ParamDecl(module + ".weight", new long[] {c}, Init.ONES, 0, false));
    out.add(new ParamDecl(module + ".bias", new long[] {c}, Init.ZEROS, 0, false));
    out.add(new ParamDecl(module + ".running_mean", new long[] {c}, Init.ZEROS, 0, true));
    out.add(new ParamDecl(module + ".running_var", new long[] {c}, Init.ONES, 0, true));
  }
}
