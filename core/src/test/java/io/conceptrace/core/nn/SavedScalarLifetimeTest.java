package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Gradients through ops with a scalar operand stay right when the garbage collector runs between
 * forward and backward and the freed native memory is reused. With DJL's own {@code x.maximum(0f)}
 * and {@code x.mul(3f)} this failed: the scalar tensor autograd saved pointed at a freed Java
 * buffer (measured 2026-12-01: gradients of NaN-filled or arbitrary memory).
 */
class SavedScalarLifetimeTest {

  @Test
  void scalarMultiplyGradientSurvivesACollectionBeforeBackward() throws Exception {
    float[] g = gradientAfterCollection(x -> Scalars.mul(x, 3.0), new float[] {1f, -2f, 0.5f});
    assertThat(g).containsExactly(3f, 3f, 3f);
  }

  @Test
  void reluGradientSurvivesACollectionAndIsZeroAtZeroAsInPyTorch() throws Exception {
    float[] g =
        gradientAfterCollection(FunctionalOps::relu, new float[] {1.5f, -2f, 0f, 3f, -0.1f});
    assertThat(g).containsExactly(1f, 0f, 0f, 1f, 0f);
  }

  @Test
  void reluForwardIsMaxWithZero() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    try (NDManager m = engine.engine().newBaseManager(engine.device())) {
      float[] y = FunctionalOps.relu(m.create(new float[] {1.5f, -2f, 0f})).toFloatArray();
      assertThat(y).containsExactly(1.5f, 0f, 0f);
    }
  }

  /**
   * d(sum(op(x)))/dx, with a full collection and a flood of garbage-filled native allocations
   * between the forward and the backward pass.
   */
  private static float[] gradientAfterCollection(UnaryOperator<NDArray> op, float[] input)
      throws InterruptedException {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    try (NDManager m = engine.engine().newBaseManager(engine.device())) {
      NDArray x = m.create(input);
      x.setRequiresGradient(true);
      try (Autograd.Scope tape = Autograd.record()) {
        NDArray loss = op.apply(x).sum();
        // Nothing on the Java side references the scalar operand any more: collect, give the
        // cleaner thread time to free it, then reuse small native blocks with garbage.
        for (int i = 0; i < 3; i++) {
          System.gc();
          Thread.sleep(50);
        }
        List<ByteBuffer> garbage = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
          ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(ByteOrder.nativeOrder());
          while (b.remaining() >= 4) {
            b.putFloat(Float.NaN);
          }
          garbage.add(b);
        }
        tape.backward(loss);
        assertThat(garbage).hasSize(20_000);
      }
      return x.getGradient().toFloatArray();
    }
  }
}
