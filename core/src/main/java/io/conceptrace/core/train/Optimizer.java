package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.nn.Autograd;
import io.conceptrace.core.nn.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD (momentum, Nesterov) and Adam over a name → array parameter map, updating the arrays in place
 * with PyTorch's formulas ({@code torch.optim.SGD}/{@code Adam} with L2 {@code weight_decay},
 * dampening 0).
 *
 * <p>Written here rather than using DJL's optimizers because those follow MXNet's conventions
 * (momentum folded with the learning rate, so a changing schedule behaves differently from
 * PyTorch/FFCV recipes) and are keyed to DJL {@code Parameter} objects, while our networks are a
 * plain array map. The rules are a dozen lines each and tested against hand computations.
 */
public final class Optimizer implements AutoCloseable {
  private final OptimizerSpec spec;
  private final Map<String, NDArray> parameters;
  private final NDManager stateManager;
  private final Map<String, NDArray> first = new LinkedHashMap<>();
  private final Map<String, NDArray> second = new LinkedHashMap<>();
  private long steps;

  /**
   * @param parameters the arrays to update (live; typically {@code network.parameters()})
   * @param manager the optimizer's state (momentum, Adam moments) lives in a sub-manager of it
   */
  public Optimizer(OptimizerSpec spec, Map<String, NDArray> parameters, NDManager manager) {
    this.spec = spec;
    this.parameters = parameters;
    this.stateManager = manager.newSubManager();
  }

  /** Steps taken so far. */
  public long steps() {
    return steps;
  }

  /**
   * One update from the accumulated gradients, then zeroes them. Must run outside a gradient
   * recording scope.
   *
   * @param learningRate this step's rate (base rate × schedule factor)
   * @param scratch a manager for this step's temporaries (closed by the caller)
   */
  public void step(double learningRate, NDManager scratch) {
    steps++;
    float lr = (float) learningRate;
    for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
      String name = e.getKey();
      NDArray p = e.getValue();
      // One parameter's temporaries (its gradient handle, the decayed gradient, the update) are
      // freed before the next parameter's are made, as PyTorch's per-tensor loop frees them,
      // rather than a whole network's worth of them living until the step ends.
      try (NDManager one = scratch.newSubManager()) {
        NDArray g = p.getGradient();
        g.attach(one);
        NDArray d = g;
        if (spec.weightDecay() > 0 && (spec.decayBatchNorm() || !isBatchNorm(name))) {
          d = d.add(temp(Scalars.mul(p, (float) spec.weightDecay()), one));
        }
        NDArray update =
            switch (spec.kind()) {
              case SGD -> sgd(name, d, one);
              case ADAM -> adam(name, d, one);
            };
        p.subi(temp(Scalars.mul(update, lr), one));
      }
      Autograd.zeroGradient(p);
    }
  }

  private NDArray sgd(String name, NDArray d, NDManager scratch) {
    float mu = (float) spec.momentum();
    if (mu == 0) {
      return d;
    }
    NDArray buf = first.get(name);
    if (buf == null) {
      buf = d.duplicate();
      buf.attach(stateManager);
      first.put(name, buf);
    } else {
      Scalars.muli(buf, mu).addi(d);
    }
    return spec.nesterov() ? d.add(temp(Scalars.mul(buf, mu), scratch)) : buf;
  }

  private NDArray adam(String name, NDArray d, NDManager scratch) {
    float b1 = (float) spec.beta1();
    float b2 = (float) spec.beta2();
    NDArray m = first.computeIfAbsent(name, k -> state(d));
    NDArray v = second.computeIfAbsent(name, k -> state(d));
    Scalars.muli(m, b1).addi(Scalars.mul(d, 1 - b1));
    Scalars.muli(v, b2).addi(Scalars.mul(d.square(), 1 - b2));
    double c1 = 1 - Math.pow(b1, steps);
    double c2 = 1 - Math.pow(b2, steps);
    NDArray mHat = temp(Scalars.div(m, (float) c1), scratch);
    NDArray denom = temp(Scalars.div(v, (float) c2), scratch).sqrt().add((float) spec.epsilon());
    return mHat.div(denom);
  }

  private NDArray state(NDArray like) {
    return stateManager.zeros(like.getShape(), like.getDataType());
  }

  /**
   * Moves a result computed from a long-lived array (it is attached to that array's manager) to the
   * step's manager, so temporaries never accumulate in the parameters' or state's manager.
   */
  private static NDArray temp(NDArray result, NDManager scratch) {
    result.attach(scratch);
    return result;
  }

  /** Batch-norm parameters are one-dimensional; convolution and linear weights are not. */
  private boolean isBatchNorm(String name) {
    return parameters.get(name).getShape().dimension() == 1 && !name.startsWith("fc.");
  }

  @Override
  public void close() {
    stateManager.close();
  }
}
