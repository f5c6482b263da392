package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.nn.Autograd;
import io.conceptrace.core.nn.LayerTap;
import io.conceptrace.core.nn.Network;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Exact per-example gradients from one ordinary forward and backward pass per batch: each selected
 * module's input and output gradient are captured ({@link LayerTap}) and its per-example parameter
 * gradients formed from them afterwards (outer products; im2col patches for convolutions). No
 * weight is copied per example and the backward pass computes no weight gradient, only gradients of
 * activations.
 */
final class TappedGradients implements PerExampleGradients {
  private final ConceptModel model;
  private final ParameterGroups groups;
  private final List<String> selected;
  private final Set<String> modules;
  private final long dimension;

  TappedGradients(ConceptModel model, ParameterGroups groups) {
    this.model = model;
    this.groups = groups;
    SelectedParameters chosen = SelectedParameters.of(model, groups);
    this.selected = chosen.names();
    this.dimension = chosen.dimension();
    Set<String> owners = new LinkedHashSet<>();
    for (String name : selected) {
      owners.add(name.substring(0, name.lastIndexOf('.')));
    }
    this.modules = Set.copyOf(owners);
  }

  @Override
  public long dimension() {
    return dimension;
  }

  @Override
  @SuppressWarnings("try") // the paused scope is used for its effect: no graph while gradients form
  public Result compute(NDArray x, boolean[] labels) {
    int batch = Math.toIntExact(x.getShape().get(0));
    if (labels.length != batch) {
      throw new IllegalArgumentException(labels.length + " labels for a batch of " + batch);
    }
    NDManager owner = x.getManager();
    try (NDManager scope = owner.newSubManager()) {
      // Views of the input and of the parameters in the batch scope: every intermediate then lands
      // here, and the parameters, detached, get no gradient (none is needed, only activations').
      NDArray input = x.reshape(x.getShape());
      input.attach(scope);
      Map<String, NDArray> detached = new LinkedHashMap<>();
      for (Map.Entry<String, NDArray> e : model.subnetwork().parameters().entrySet()) {
        NDArray view = e.getValue().stopGradient();
        view.attach(scope);
        detached.put(e.getKey(), view);
      }
      float[] w = model.probe().weights();
      NDArray wColumn = scope.create(w, new Shape(w.length, 1));
      NDArray signs = scope.create(Trak.signs(labels)).reshape(batch, 1);
      Network.Tapped pass;
      NDArray probeInput;
      float[] margins;
      try (Autograd.Scope tape = Autograd.record()) {
        pass = model.subnetwork().forwardTapped(input, detached, modules);
        probeInput = model.probeInput(pass.output());
        NDArray margin = probeInput.matMul(wColumn).add(model.probe().bias()).mul(signs);
        margins = margin.toFloatArray();
        if (!modules.isEmpty()) {
          tape.backward(margin.sum());
        }
      }
      NDList parts = new NDList();
      try (Autograd.Scope paused = Autograd.pause()) {
        Map<String, NDArray> perExample = new LinkedHashMap<>();
        for (LayerTap tap : pass.taps().values()) {
          NDList grads = tap.perExampleGradients();
          List<String> names = tap.parameterNames();
          for (int i = 0; i < names.size(); i++) {
            perExample.put(names.get(i), grads.get(i));
          }
        }
        for (String name : selected) {
          NDArray g = perExample.get(name);
          if (g == null) {
            throw new IllegalStateException("no tapped gradient for " + name);
          }
          parts.add(g);
        }
        if (groups.probe()) {
          // f = sign·(w·a + b): ∂f/∂w = sign·a, ∂f/∂b = sign.
          parts.add(probeInput.stopGradient().mul(signs));
          parts.add(signs.duplicate());
        }
      }
      NDArray gradients = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 1);
      gradients.attach(owner);
      return new Result(gradients, margins);
    }
  }
}
