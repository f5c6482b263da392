package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.Autograd;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exact per-example gradients from one forward and one backward pass per sub-batch: every selected
 * parameter is broadcast to [b, ...] (one copy per example) and handed to the functional forward
 * pass, which computes example i with copy i only (convolutions as grouped convolutions with groups
 * = b); the gradient of Σ_i f(z_i) with respect to copy i is then ∇θ f(z_i) exactly.
 *
 * <p>On the CPU a batch is cut into sub-batches whose per-example copies of the selected parameters
 * take at most about {@value #CPU_SUB_BATCH_BYTES} bytes: B copies of ResNet-18's 2.8 M parameters
 * up to layer3 (and as many gradients) are hundreds of MB of fresh memory per pass, and its rate
 * fell from 42 to 29 examples per second from 4 to 32 examples per pass, while the quickstart's
 * network (22 k parameters) ran fastest on the whole batch of 64 (docs/performance.md). Every
 * example's gradient is its own (the copies never mix), so the cut changes no value beyond float
 * rounding; it depends on P alone, so a study computes the same on every run.
 */
final class ExpandedWeightGradients implements PerExampleGradients {
  private final ConceptModel model;
  private final ParameterGroups groups;
  private final List<String> selected;
  private final long dimension;

  /** A CPU sub-batch's per-example parameter copies, in bytes (measured, docs/performance.md). */
  static final long CPU_SUB_BATCH_BYTES = 48L << 20;

  ExpandedWeightGradients(ConceptModel model, ParameterGroups groups) {
    this.model = model;
    this.groups = groups;
    SelectedParameters chosen = SelectedParameters.of(model, groups);
    this.selected = chosen.names();
    this.dimension = chosen.dimension();
  }

  @Override
  public long dimension() {
    return dimension;
  }

  /**
   * Examples per forward/backward pass: on a GPU the whole batch; on the CPU as many as keep their
   * copies of the P selected parameters within {@link #CPU_SUB_BATCH_BYTES}, at least one.
   */
  static int subBatch(long parameters, int batch, boolean gpu) {
    if (gpu || parameters <= 0) {
      return batch;
    }
    long fit = CPU_SUB_BATCH_BYTES / (Float.BYTES * parameters);
    return (int) Math.max(1, Math.min(batch, fit));
  }

  @Override
  public Result compute(NDArray x, boolean[] labels) {
    int batch = Math.toIntExact(x.getShape().get(0));
    if (labels.length != batch) {
      throw new IllegalArgumentException(labels.length + " labels for a batch of " + batch);
    }
    int step = subBatch(dimension, batch, x.getDevice().isGpu());
    if (step >= batch) {
      return computeAll(x, labels);
    }
    NDManager owner = x.getManager();
    float[] margins = new float[batch];
    try (NDList rows = new NDList()) {
      for (int from = 0; from < batch; from += step) {
        int to = Math.min(batch, from + step);
        try (NDManager scope = owner.newSubManager()) {
          NDArray part = x.get(new NDIndex("{}:{}", from, to));
          part.attach(scope);
          Result r = computeAll(part, Arrays.copyOfRange(labels, from, to));
          System.arraycopy(r.margins(), 0, margins, from, to - from);
          r.gradients().attach(owner);
          rows.add(r.gradients());
        }
      }
      // The rows are in owner, so their concatenation is too.
      return new Result(NDArrays.concat(rows, 0), margins);
    }
  }

  /** One forward/backward pass over the whole of x. */
  private Result computeAll(NDArray x, boolean[] labels) {
    int batch = Math.toIntExact(x.getShape().get(0));
    NDManager owner = x.getManager();
    try (NDManager scope = owner.newSubManager()) {
      Map<String, NDArray> own = model.subnetwork().parameters();
      Map<String, NDArray> expanded = new LinkedHashMap<>();
      for (String name : selected) {
        NDArray e = broadcastCopy(own.get(name), batch, scope);
        expanded.put(name, e);
      }
      float[] w = model.probe().weights();
      NDArray wb = scope.create(w, new Shape(1, w.length)).repeat(0, batch);
      NDArray bb = scope.full(new Shape(batch), model.probe().bias());
      if (groups.probe()) {
        wb.setRequiresGradient(true);
        bb.setRequiresGradient(true);
      }
      for (NDArray e : expanded.values()) {
        e.setRequiresGradient(true);
      }
      NDArray signs = scope.create(Trak.signs(labels));
      float[] margins;
      NDList parts = new NDList();
      try (Autograd.Scope tape = Autograd.record()) {
        NDArray a = model.probeInput(model.subnetwork().forward(x, expanded));
        NDArray s = a.mul(wb).sum(new int[] {1}).add(bb);
        NDArray margin = s.mul(signs);
        margins = margin.toFloatArray();
        tape.backward(margin.sum());
      }
      for (NDArray e : expanded.values()) {
        parts.add(e.getGradient().reshape(batch, -1));
      }
      if (groups.probe()) {
        parts.add(wb.getGradient());
        parts.add(bb.getGradient().reshape(batch, 1));
      }
      NDArray gradients = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 1);
      gradients.attach(owner);
      return new Result(gradients, margins);
    }
  }

  /** A fresh [B, ...] array holding B copies of p (a leaf of the autograd graph). */
  private static NDArray broadcastCopy(NDArray p, int batch, NDManager scope) {
    long[] dims = new long[p.getShape().dimension() + 1];
    dims[0] = batch;
    System.arraycopy(p.getShape().getShape(), 0, dims, 1, dims.length - 1);
    // Ops on p land in p's manager (the network's, which lives as long as the model): move the
    // view into the batch scope first so that nothing of this batch outlives it.
    NDArray view = p.expandDims(0);
    view.attach(scope);
    return view.broadcast(new Shape(dims)).duplicate();
  }
}
