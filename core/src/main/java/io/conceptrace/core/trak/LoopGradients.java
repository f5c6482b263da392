package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.Autograd;
import io.conceptrace.core.nn.Scalars;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-example gradients by one forward/backward pass per example through the network's ordinary
 * (not expanded) parameters. Correct by construction and slow: the test oracle for {@link
 * ExpandedWeightGradients} and the benchmark's baseline.
 */
final class LoopGradients implements PerExampleGradients {
  private final ConceptModel model;
  private final ParameterGroups groups;
  private final List<String> selected;
  private final long dimension;

  LoopGradients(ConceptModel model, ParameterGroups groups) {
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

  @Override
  public Result compute(NDArray x, boolean[] labels) {
    int batch = Math.toIntExact(x.getShape().get(0));
    NDManager owner = x.getManager();
    float[] margins = new float[batch];
    NDList rows = new NDList();
    for (int i = 0; i < batch; i++) {
      try (NDManager scope = owner.newSubManager()) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        for (String name : selected) {
          NDArray c = model.subnetwork().parameters().get(name).duplicate();
          c.attach(scope);
          c.setRequiresGradient(true);
          copies.put(name, c);
        }
        float[] w = model.probe().weights();
        NDArray wv = scope.create(w, new Shape(w.length));
        NDArray bv = scope.create(new float[] {model.probe().bias()});
        if (groups.probe()) {
          wv.setRequiresGradient(true);
          bv.setRequiresGradient(true);
        }
        NDArray xi = x.get(new NDIndex("{}:{}", i, i + 1));
        xi.attach(scope);
        try (Autograd.Scope tape = Autograd.record()) {
          NDArray a = model.probeInput(model.subnetwork().forward(xi, copies)).reshape(-1);
          NDArray margin =
              Scalars.mul(a.mul(wv).sum().add(bv.reshape(new Shape())), labels[i] ? 1f : -1f);
          margins[i] = margin.getFloat();
          tape.backward(margin);
        }
        NDList parts = new NDList();
        for (NDArray c : copies.values()) {
          parts.add(c.getGradient().reshape(-1));
        }
        if (groups.probe()) {
          parts.add(wv.getGradient());
          parts.add(bv.getGradient());
        }
        NDArray row = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 0);
        row.attach(owner);
        rows.add(row);
      }
    }
    NDArray gradients = NDArrays.stack(rows, 0);
    rows.close();
    return new Result(gradients, margins);
  }
}
