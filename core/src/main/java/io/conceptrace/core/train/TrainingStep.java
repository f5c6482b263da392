package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.nn.Autograd;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;

/**
 * One optimisation step of a network: training-mode forward, label-smoothed cross-entropy,
 * backward, update. Shared by {@link BaseTrainer} and the training benchmark so both measure the
 * same work. Sets the network's parameters to record gradients until closed.
 */
public final class TrainingStep implements AutoCloseable {
  private final Network network;
  private final double labelSmoothing;
  private final Optimizer optimizer;

  public TrainingStep(
      Network network, OptimizerSpec optimizer, double labelSmoothing, NDManager manager) {
    this.network = network;
    this.labelSmoothing = labelSmoothing;
    this.optimizer = new Optimizer(optimizer, network.parameters(), manager);
    network.parameters().values().forEach(p -> p.setRequiresGradient(true));
  }

  /** What one step computed. */
  public record Result(double loss, int correct) {}

  /**
   * Runs one step on a batch; every temporary is created in {@code scratch}, which the caller
   * closes afterwards.
   *
   * @param images [B, C, H, W], normalised
   * @param labels class indices [B] (int32)
   * @param learningRate this step's rate
   */
  public Result run(NDArray images, NDArray labels, double learningRate, NDManager scratch) {
    NDArray logits;
    NDArray loss;
    try (Autograd.Scope tape = Autograd.record()) {
      // DJL puts an op's result in the manager of the array it was called on, so the forward
      // pass's intermediates land in the inputs' manager. Lending the inputs to a manager of the
      // forward pass alone lets us drop the Java handles of every intermediate before backward:
      // libtorch then frees at once what autograd did not save (batch-norm and residual-sum
      // outputs, the loss's temporaries) and the saved ones as backward consumes them, as in
      // PyTorch, instead of holding the whole step's forward until the step ends. (Inputs from a
      // long-lived manager, like the benchmark's pre-loaded batches, no longer collect every
      // step's activations either.) The values computed are the same.
      try (NDManager forward = scratch.newSubManager()) {
        images.tempAttach(forward);
        labels.tempAttach(forward);
        logits = network.forward(images, Mode.TRAIN);
        loss = BaseTrainer.smoothedCrossEntropy(logits, labels, labelSmoothing);
        logits.attach(scratch);
        loss.attach(scratch);
      }
      tape.backward(loss);
    }
    optimizer.step(learningRate, scratch);
    return new Result(loss.getFloat(), countCorrect(logits, labels.toIntArray()));
  }

  private static int countCorrect(NDArray logits, int[] labels) {
    float[] z = logits.toFloatArray();
    int classes = (int) logits.getShape().get(1);
    int correct = 0;
    for (int i = 0; i < labels.length; i++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (z[i * classes + c] > z[i * classes + best]) {
          best = c;
        }
      }
      correct += best == labels[i] ? 1 : 0;
    }
    return correct;
  }

  /** Releases the optimizer state and stops the parameters recording gradients. */
  @Override
  public void close() {
    optimizer.close();
    network.parameters().values().forEach(p -> p.setRequiresGradient(false));
  }
}
