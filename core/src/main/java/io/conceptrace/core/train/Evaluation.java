package io.conceptrace.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.BatchLoader;
import io.conceptrace.core.data.HostBatch;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import java.util.Iterator;

/**
 * Accuracy of a network on a dataset, in evaluation mode.
 *
 * @param top1 fraction whose highest logit is the label
 * @param top5 fraction whose label is among the five highest logits (all, with ≤ 5 classes)
 * @param loss mean cross-entropy (no smoothing)
 * @param count examples evaluated
 */
public record Evaluation(double top1, double top5, double loss, int count) {

  /** Evaluates {@code network} on all of {@code data}. */
  public static Evaluation of(
      Network network,
      ImageDataset data,
      Normalization normalization,
      int batchSize,
      int workers,
      NDManager manager) {
    BatchLoader.Options options =
        new BatchLoader.Options(
            batchSize,
            false,
            false,
            io.conceptrace.core.data.Augmentation.none(),
            normalization,
            workers,
            2 * workers,
            0);
    double top1 = 0;
    double top5 = 0;
    double loss = 0;
    int n = 0;
    try (BatchLoader loader = new BatchLoader(data, options)) {
      Iterator<HostBatch> it = loader.epoch(0);
      while (it.hasNext()) {
        HostBatch batch = it.next();
        try (NDManager step = manager.newSubManager()) {
          NDArray logits = network.forward(batch.images(step), Mode.EVAL);
          float[] z = logits.toFloatArray();
          int[] labels = batch.labels();
          int classes = (int) logits.getShape().get(1);
          for (int i = 0; i < labels.length; i++) {
            Ranked r = rank(z, i * classes, classes, labels[i]);
            top1 += r.higher == 0 ? 1 : 0;
            top5 += r.higher < 5 ? 1 : 0;
            loss += r.crossEntropy;
          }
          n += labels.length;
        }
      }
    }
    return n == 0
        ? new Evaluation(Double.NaN, Double.NaN, Double.NaN, 0)
        : new Evaluation(top1 / n, top5 / n, loss / n, n);
  }

  private record Ranked(int higher, double crossEntropy) {}

  /** How many logits beat the label's, and −log softmax of the label (computed stably). */
  private static Ranked rank(float[] z, int offset, int classes, int label) {
    float target = z[offset + label];
    int higher = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < classes; c++) {
      float v = z[offset + c];
      if (v > target) {
        higher++;
      }
      max = Math.max(max, v);
    }
    double sum = 0;
    for (int c = 0; c < classes; c++) {
      sum += Math.exp(z[offset + c] - max);
    }
    return new Ranked(higher, Math.log(sum) + max - target);
  }
}
