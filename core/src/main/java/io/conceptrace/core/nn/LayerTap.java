package io.conceptrace.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * What one parameterised module saw in a {@link Network#forwardTapped tapped} forward pass: its
 * input, and a zero-valued leaf added to its output whose gradient, after a backward pass, is the
 * gradient of the output. From the two, {@link #perExampleGradients} gives the exact gradient of
 * each example's own output with respect to the module's parameters, without per-example copies of
 * the weights: a weight enters each output position linearly, so its per-example gradient is a sum
 * of outer products of output gradients and inputs (the formula behind Opacus' and the reference
 * TRAK's per-sample gradients). Only evaluation-mode batch norm is separable this way (batch
 * statistics couple the examples), which is why taps exist in {@link Mode#EVAL} only.
 */
public sealed interface LayerTap {

  /** The module name ({@code layer1.0.conv1}). */
  String module();

  /**
   * The gradient of the tapped output; set by the backward pass of the loss the output fed into.
   */
  NDArray outputLeaf();

  /**
   * Per-example gradients of the module's parameters, one [B, size] array each, in the module's
   * declaration order ({@code weight}, then {@code bias} where it has one). Call after backward,
   * with gradient recording off; the arrays land in the input's manager.
   */
  NDList perExampleGradients();

  /** The parameter names {@link #perExampleGradients} returns, in its order. */
  List<String> parameterNames();

  /** A bias-free 2-D convolution with a square kernel. */
  record Conv(String module, NDArray input, NDArray outputLeaf, int kernel, int stride, int padding)
      implements LayerTap {
    @Override
    public List<String> parameterNames() {
      return List.of(module + ".weight");
    }

    /**
     * ∂/∂W[o, c, i, j] of example n's output = Σ_l gOut[n, o, l] · patch[n, (c, i, j), l]: one
     * batched matrix product of the output gradient [B, O, L] with the input's k×k patches (im2col,
     * built from k² strided slices of the padded input) [B, C·k², L]ᵀ.
     */
    @Override
    public NDList perExampleGradients() {
      NDArray g = outputLeaf.getGradient();
      Shape gs = g.getShape();
      long b = gs.get(0);
      long o = gs.get(1);
      long outH = gs.get(2);
      long outW = gs.get(3);
      long c = input.getShape().get(1);
      NDArray padded =
          padding == 0 ? input : input.pad(new Shape(padding, padding, padding, padding), 0.0);
      NDArray patches;
      if (kernel == 1 && stride == 1) {
        patches = padded.reshape(b, c, outH * outW);
      } else {
        try (NDList slices = new NDList()) {
          for (int i = 0; i < kernel; i++) {
            for (int j = 0; j < kernel; j++) {
              slices.add(
                  padded.get(
                      new NDIndex(
                          ":, :, {}:{}:{}, {}:{}:{}",
                          i,
                          i + stride * (outH - 1) + 1,
                          stride,
                          j,
                          j + stride * (outW - 1) + 1,
                          stride)));
            }
          }
          patches = NDArrays.stack(slices, 2).reshape(b, c * kernel * kernel, outH * outW);
        }
      }
      NDArray go = g.reshape(b, o, outH * outW);
      // [B, O, C·k²]: a batched product whose inner dimension is the output positions.
      return new NDList(go.batchMatMul(patches.transpose(0, 2, 1)).reshape(b, -1));
    }
  }

  /** Evaluation-mode batch norm: y = γ·x̂ + β with x̂ from the running statistics. */
  record BatchNorm(
      String module, NDArray input, NDArray outputLeaf, NDArray runningMean, NDArray runningVar)
      implements LayerTap {
    @Override
    public List<String> parameterNames() {
      return List.of(module + ".weight", module + ".bias");
    }

    /** ∂/∂γ_c = Σ_hw gOut · x̂, ∂/∂β_c = Σ_hw gOut, per example. */
    @Override
    public NDList perExampleGradients() {
      NDArray g = outputLeaf.getGradient();
      long c = input.getShape().get(1);
      Shape channel = new Shape(1, c, 1, 1);
      NDArray mean = local(runningMean.reshape(channel));
      NDArray scale = local(runningVar.reshape(channel)).add(FunctionalOps.BN_EPS).sqrt();
      NDArray normalised = input.sub(mean).div(scale);
      int[] spatial = {2, 3};
      return new NDList(g.mul(normalised).sum(spatial), g.sum(spatial));
    }

    /** Moves an op's result on a long-lived buffer into the input's (per-batch) manager. */
    private NDArray local(NDArray derived) {
      derived.attach(input.getManager());
      return derived;
    }
  }

  /** A fully connected layer y = x·Wᵀ + b. */
  record Linear(String module, NDArray input, NDArray outputLeaf) implements LayerTap {
    @Override
    public List<String> parameterNames() {
      return List.of(module + ".weight", module + ".bias");
    }

    /** ∂/∂W = gOut ⊗ x, ∂/∂b = gOut, per example. */
    @Override
    public NDList perExampleGradients() {
      NDArray g = outputLeaf.getGradient();
      long b = g.getShape().get(0);
      NDArray weight = g.expandDims(2).mul(input.expandDims(1)).reshape(b, -1);
      return new NDList(weight, g.duplicate());
    }
  }
}
