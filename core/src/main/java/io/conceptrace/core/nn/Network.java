package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
 * <p>What the network is (its arrays, forward pass and named layers) is its {@link Architecture},
 * described once per architecture ({@link ResNet}, {@link SmallCnn}); this class holds the arrays
 * and runs that description. Names follow torchvision ({@code conv1.weight}, {@code
 * layer1.0.bn1.weight}, {@code layer2.0.downsample.0.weight}, {@code fc.bias}).
 *
 * <p>Files: {@link NetworkFiles} reads and writes our npz checkpoints and safetensors with
 * torchvision's names.
 *
 * <p>Not thread-safe: a training forward pass updates the batch-norm running statistics in place.
 */
public final class Network implements AutoCloseable {
  private final ArchitectureSpec spec;
  private final Architecture architecture;
  private final Blueprint blueprint;
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
    this.architecture = spec.name().architecture(spec);
    this.blueprint = Blueprint.of(spec);
    this.manager = manager;
    this.parameters = Collections.unmodifiableMap(parameters);
    this.buffers = Collections.unmodifiableMap(buffers);
    this.layerNames = blueprint.layers().stream().map(LayerInfo::name).toList();
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

  /** Every array of the architecture, parameters and buffers interleaved in forward order. */
  static List<ParamDecl> declare(ArchitectureSpec spec) {
    return Blueprint.of(spec).arrays();
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
    checkLayer(layer);
    checkInput(x);
    for (String name : params.keySet()) {
      if (!parameters.containsKey(name)) {
        throw new IllegalArgumentException("unknown parameter '" + name + "'");
      }
    }
    ForwardPass pass = new ForwardPass(layer, mode, params, parameters, buffers, Set.of());
    architecture.describe(pass, x);
    return pass.result();
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
      checkLayer(layer);
      if (last == null || layerNames.indexOf(layer) > layerNames.indexOf(last)) {
        last = layer;
      }
    }
    checkInput(x);
    ForwardPass pass =
        new ForwardPass(last, mode, Map.of(), parameters, buffers, Set.copyOf(layers));
    architecture.describe(pass, x);
    return pass.outputs();
  }

  private void checkLayer(String layer) {
    if (!layerNames.contains(layer)) {
      throw new IllegalArgumentException(
          "unknown layer '" + layer + "' for " + spec.name() + "; known: " + layerNames);
    }
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
    return blueprint.parametersUpTo(layer, spec).stream().map(ParamDecl::name).toList();
  }

  /**
   * The number of values of each parameter that computing {@code layer} reads, in parameter order,
   * computed from the architecture alone (no arrays are created): what attribution's gradient
   * length P is made of, for estimates made before anything trains.
   */
  public static Map<String, Long> parameterSizesUpTo(ArchitectureSpec spec, String layer) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (ParamDecl d : Blueprint.of(spec).parametersUpTo(layer, spec)) {
      out.put(d.name(), d.size());
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
