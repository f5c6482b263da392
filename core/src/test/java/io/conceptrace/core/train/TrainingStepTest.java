package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.Autograd;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A training step frees its forward pass's arrays before backward and its optimizer temporaries per
 * parameter (what keeps training's peak memory near PyTorch's), without changing what it computes.
 */
class TrainingStepTest {
  private static final ArchitectureSpec ARCH =
      new ArchitectureSpec("resnet10", 0.125, true, 3, 16, 10);
  private static final int BATCH = 8;

  private NDManager manager;

  @BeforeEach
  void start() {
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    manager = engine.engine().newBaseManager(engine.device());
  }

  @AfterEach
  void stop() {
    manager.close();
  }

  @Test
  void aStepLeavesOnlyLogitsAndLossAndNothingInTheInputsManager() {
    try (NDManager inputs = manager.newSubManager();
        Network network = Network.create(ARCH, manager, 3);
        TrainingStep step =
            new TrainingStep(network, OptimizerSpec.sgd(0.05, 0.9, true, 5e-4), 0.1, manager)) {
      NDArray[] batch = batch(inputs, 0);
      for (int s = 0; s < 3; s++) {
        try (NDManager scratch = manager.newSubManager()) {
          TrainingStep.Result r = step.run(batch[0], batch[1], 0.05, scratch);
          assertThat(r.loss()).isFinite();
          // Before: every forward intermediate (dozens of activation-sized arrays) stayed here
          // until the step's manager closed, and the optimizer's per-parameter temporaries too.
          assertThat(scratch.getManagedArrays()).hasSize(2);
        }
        // Before: ops on pre-loaded inputs put the whole forward pass in the inputs' manager,
        // which then grew by a step's activations every step.
        // (A manager keeps its arrays in a hash map: their order is not defined.)
        assertThat(inputs.getManagedArrays()).containsExactlyInAnyOrder(batch[0], batch[1]);
      }
    }
  }

  @Test
  void sgdStepsGiveTheWeightsOfAPlainlyScopedStep() {
    sameWeightsAsPlainSteps(OptimizerSpec.sgd(0.05, 0.9, true, 5e-4), 0.1);
  }

  @Test
  void adamStepsGiveTheWeightsOfAPlainlyScopedStep() {
    sameWeightsAsPlainSteps(OptimizerSpec.adam(3e-3, 5e-5), 0.0);
  }

  /**
   * Three steps of {@link TrainingStep} against three steps that keep every array of a step in the
   * step's manager (the scoping before the memory fix): the weights and running statistics must be
   * bit-identical, so releasing arrays early freed nothing that autograd still read.
   */
  private void sameWeightsAsPlainSteps(OptimizerSpec optimizer, double labelSmoothing) {
    try (Network scoped = Network.create(ARCH, manager, 7);
        Network plain = Network.create(ARCH, manager, 7);
        Network untrained = Network.create(ARCH, manager, 7)) {
      try (TrainingStep step = new TrainingStep(scoped, optimizer, labelSmoothing, manager)) {
        for (int s = 0; s < 3; s++) {
          try (NDManager scratch = manager.newSubManager()) {
            NDArray[] b = batch(scratch, s);
            step.run(b[0], b[1], optimizer.learningRate(), scratch);
          }
        }
      }
      plain.parameters().values().forEach(p -> p.setRequiresGradient(true));
      try (Optimizer reference = new Optimizer(optimizer, plain.parameters(), manager)) {
        for (int s = 0; s < 3; s++) {
          try (NDManager scratch = manager.newSubManager()) {
            NDArray[] b = batch(scratch, s);
            try (Autograd.Scope tape = Autograd.record()) {
              NDArray logits = plain.forward(b[0], Mode.TRAIN);
              tape.backward(BaseTrainer.smoothedCrossEntropy(logits, b[1], labelSmoothing));
            }
            reference.step(optimizer.learningRate(), scratch);
          }
        }
      }
      plain.parameters().values().forEach(p -> p.setRequiresGradient(false));
      String w = "layer2.0.conv1.weight";
      assertThat(scoped.parameters().get(w).toFloatArray())
          .as("the steps trained")
          .isNotEqualTo(untrained.parameters().get(w).toFloatArray());
      for (String name : scoped.parameters().keySet()) {
        assertThat(scoped.parameters().get(name).toFloatArray())
            .as(name)
            .containsExactly(plain.parameters().get(name).toFloatArray());
      }
      for (String name : scoped.buffers().keySet()) {
        assertThat(scoped.buffers().get(name).toFloatArray())
            .as(name)
            .containsExactly(plain.buffers().get(name).toFloatArray());
      }
    }
  }

  /** Batch {@code index}: fixed pseudo-random images [B, 3, 16, 16] and labels. */
  private static NDArray[] batch(NDManager m, int index) {
    Random random = new Random(100 + index);
    float[] pixels = new float[BATCH * 3 * 16 * 16];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) random.nextGaussian();
    }
    int[] labels = new int[BATCH];
    for (int i = 0; i < BATCH; i++) {
      labels[i] = random.nextInt(ARCH.classes());
    }
    return new NDArray[] {m.create(pixels, new Shape(BATCH, 3, 16, 16)), m.create(labels)};
  }
}
