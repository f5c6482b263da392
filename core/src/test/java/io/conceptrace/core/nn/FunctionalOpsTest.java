package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FunctionalOpsTest {
  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  @Test
  void reluForwardIsMaxWithZero() {
    float[] x = {-3f, -1e-7f, -0f, 0f, 1e-7f, 2.5f, Float.MAX_VALUE, -Float.MAX_VALUE};
    float[] y = FunctionalOps.relu(manager.create(x)).toFloatArray();
    for (int i = 0; i < x.length; i++) {
      assertThat(y[i]).isEqualTo(Math.max(x[i], 0f) + 0f); // + 0f: -0 compares equal to 0
    }
  }

  @Test
  void reluGradientIsZeroAtExactlyZeroAsInPyTorch() {
    // maximum(x, 0) split the gradient at a tie and gave 0.5 at x = 0; torch.relu gives 0.
    float[] x = {-2f, 0f, 0f, 3f, -0f};
    float[] grad;
    try (NDArray leaf = manager.create(x)) {
      leaf.setRequiresGradient(true);
      try (Autograd.Scope tape = Autograd.record()) {
        NDArray loss = FunctionalOps.relu(leaf).sum();
        tape.backward(loss);
      }
      grad = leaf.getGradient().toFloatArray();
    }
    assertThat(grad).containsExactly(0f, 0f, 0f, 1f, 0f);
  }
}
