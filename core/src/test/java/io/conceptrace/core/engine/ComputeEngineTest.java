package io.conceptrace.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class ComputeEngineTest {

  @Test
  void startsPyTorch271OfflineOnCpu() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 2));
    EngineInfo info = engine.info();
    assertThat(info.pytorchVersion()).isEqualTo("2.7.1");
    assertThat(info.djlVersion()).isEqualTo("0.36.0");
    assertThat(info.device()).isEqualTo("cpu()");
    assertThat(info.offline()).isTrue();
    assertThat(info.intraOpThreads()).isEqualTo(2);
    assertThat(info.nativeLibrary()).contains("libtorch");
  }

  @Test
  void forwardAndBackwardMatchHandComputedLogisticGradient() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      // One logistic unit: p = sigmoid(w.x + b), loss = -[y log p + (1-y) log(1-p)].
      // By hand: dL/dw = (p - y) x and dL/db = p - y.
      float[] x = {1f, -2f, 0.5f};
      float[] w0 = {0.3f, 0.1f, -0.4f};
      float b0 = 0.2f;
      float y = 1f;
      NDArray w = manager.create(w0);
      NDArray b = manager.create(new float[] {b0});
      w.setRequiresGradient(true);
      b.setRequiresGradient(true);
      NDArray input = manager.create(x);
      try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray z = input.mul(w).sum().add(b);
        NDArray p = Activation.sigmoid(z);
        NDArray loss = p.log().mul(-y).sub(p.neg().add(1).log().mul(1 - y));
        collector.backward(loss);
      }
      double zHand = x[0] * w0[0] + x[1] * w0[1] + x[2] * w0[2] + b0;
      double pHand = 1 / (1 + Math.exp(-zHand));
      float[] gw = w.getGradient().toFloatArray();
      for (int i = 0; i < 3; i++) {
        assertThat((double) gw[i]).isCloseTo((pHand - y) * x[i], within(1e-6));
      }
      assertThat((double) b.getGradient().toFloatArray()[0]).isCloseTo(pHand - y, within(1e-6));
    }
  }

  @Test
  void gpuRequestWithoutGpuIsAOneLineError() {
    assertThatThrownBy(() -> ComputeEngine.resolve(DeviceSpec.parse("gpu:1"), 0))
        .isInstanceOf(DeviceUnavailableException.class)
        .hasMessage(
            "device gpu:1 was requested but no GPU is visible to PyTorch"
                + " (use --device cpu, or run on a machine with CUDA natives)");
    assertThatThrownBy(() -> ComputeEngine.resolve(DeviceSpec.parse("gpu:2"), 2))
        .hasMessageContaining("only 2 GPU(s) exist");
    assertThat(ComputeEngine.resolve(DeviceSpec.AUTO, 0)).isEqualTo(Device.cpu());
    assertThat(ComputeEngine.resolve(DeviceSpec.AUTO, 1)).isEqualTo(Device.gpu(0));
  }

  @Test
  void parsesDeviceSpecs() {
    assertThat(DeviceSpec.parse("AUTO")).isEqualTo(DeviceSpec.AUTO);
    assertThat(DeviceSpec.parse("gpu:3").index()).isEqualTo(3);
    assertThatThrownBy(() -> DeviceSpec.parse("tpu"))
        .hasMessage("device 'tpu' is not one of auto, cpu, gpu, gpu:N (N = 0, 1, ...)");
  }
}
