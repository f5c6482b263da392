package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.Autograd;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks the update rules against PyTorch's formulas computed by hand for the loss L = Σ c·w (so
 * the gradient is the constant c) on a conv-like 2-D weight and a batch-norm-like 1-D weight.
 */
class OptimizerTest {
  private NDManager manager;
  private NDArray conv;
  private NDArray bn;
  private Map<String, NDArray> params;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    manager = engine.engine().newBaseManager(engine.device());
    conv = manager.create(new float[] {1f, -2f}).reshape(1, 2);
    bn = manager.create(new float[] {0.5f});
    params = new LinkedHashMap<>();
    params.put("conv1.weight", conv);
    params.put("bn1.weight", bn);
    params.values().forEach(p -> p.setRequiresGradient(true));
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  /** Accumulates d/dw Σ c·w = c into the gradients. */
  private void backward(float cConv, float cBn) {
    try (Autograd.Scope tape = Autograd.record()) {
      NDArray loss = conv.mul(cConv).sum().add(bn.mul(cBn).sum());
      tape.backward(loss);
    }
  }

  private void step(Optimizer opt, double lr) {
    try (NDManager scratch = manager.newSubManager()) {
      opt.step(lr, scratch);
    }
  }

  @Test
  void sgdWithNesterovMomentumAndDecayExceptBatchNorm() {
    OptimizerSpec spec = OptimizerSpec.sgd(0.1, 0.9, true, 0.01);
    try (Optimizer opt = new Optimizer(spec, params, manager)) {
      // Step 1: d = g + wd·w = 3 + 0.01·1 = 3.01; buf = d; update = d + 0.9·buf = 5.719.
      backward(3f, 2f);
      step(opt, 0.1);
      double w1 = 1 - 0.1 * (3.01 + 0.9 * 3.01);
      assertThat((double) conv.getFloat(0, 0)).isCloseTo(w1, within(1e-6));
      // Batch norm: no decay: d = 2, update = 2 + 0.9·2.
      double b1 = 0.5 - 0.1 * (2 + 0.9 * 2);
      assertThat((double) bn.getFloat(0)).isCloseTo(b1, within(1e-6));
      // Gradients were zeroed: step 2 sees only the new gradient.
      backward(1f, 0f);
      step(opt, 0.05);
      double d2 = 1 + 0.01 * w1;
      double buf2 = 0.9 * 3.01 + d2;
      double w2 = w1 - 0.05 * (d2 + 0.9 * buf2);
      assertThat((double) conv.getFloat(0, 0)).isCloseTo(w2, within(1e-6));
    }
  }

  @Test
  void plainMomentumUsesTheBuffer() {
    try (Optimizer opt = new Optimizer(OptimizerSpec.sgd(0.1, 0.5, false, 0), params, manager)) {
      backward(2f, 0f);
      step(opt, 0.1);
      backward(2f, 0f);
      step(opt, 0.1);
      // buf1 = 2, buf2 = 0.5·2 + 2 = 3: w = 1 − 0.1·2 − 0.1·3.
      assertThat((double) conv.getFloat(0, 0)).isCloseTo(0.5, within(1e-6));
    }
  }

  @Test
  void adamFollowsPyTorch() {
    try (Optimizer opt = new Optimizer(OptimizerSpec.adam(0.01, 0), params, manager)) {
      backward(3f, 0f);
      step(opt, 0.01);
      // First step: m̂ = g, v̂ = g², update = g / (|g| + ε) ≈ 1.
      assertThat((double) conv.getFloat(0, 0)).isCloseTo(1 - 0.01 * 3 / (3 + 1e-8), within(1e-6));
      backward(1f, 0f);
      step(opt, 0.01);
      double m = 0.9 * (0.1 * 3) + 0.1 * 1;
      double v = 0.999 * (0.001 * 9) + 0.001 * 1;
      double mHat = m / (1 - 0.81);
      double vHat = v / (1 - 0.999 * 0.999);
      double expected = 1 - 0.01 - 0.01 * mHat / (Math.sqrt(vHat) + 1e-8);
      assertThat((double) conv.getFloat(0, 0)).isCloseTo(expected, within(1e-5));
    }
  }
}
