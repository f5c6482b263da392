package io.conceptrace.core.trak;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * h_m = g_m ∘ f_{m,l}: the "subnetwork + probe" model whose concept predictions are attributed.
 *
 * @param name a label for messages and logs, e.g. {@code model-0/layer3}
 */
public record ConceptModel(String name, Subnetwork subnetwork, ProbeHead probe) {

  /** Probe logits s(x), [B], without gradients. */
  public float[] logits(NDArray x) {
    try (NDManager scope = x.getManager().newSubManager()) {
      NDArray a = probeInput(subnetwork.forward(x, Map.of()));
      a.attach(scope);
      NDArray w = scope.create(probe.weights(), new Shape(probe.width(), 1));
      return a.matMul(w).reshape(-1).add(probe.bias()).toFloatArray();
    }
  }

  /** The probe's input [B, D] from the layer output: flattened, or channel means when pooled. */
  NDArray probeInput(NDArray layerOutput) {
    long batch = layerOutput.getShape().get(0);
    NDArray a =
        probe.pooled() && layerOutput.getShape().dimension() > 2
            ? layerOutput.reshape(batch, layerOutput.getShape().get(1), -1).mean(new int[] {2})
            : layerOutput.reshape(batch, -1);
    if (a.getShape().get(1) != probe.width()) {
      throw new IllegalArgumentException(
          name
              + ": the layer gives "
              + a.getShape().get(1)
              + " probe inputs but the probe has "
              + probe.width()
              + " weights");
    }
    return a;
  }
}
