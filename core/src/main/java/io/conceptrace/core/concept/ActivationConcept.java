package io.conceptrace.core.concept;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.probe.BatchEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A concept defined by a reference network's neurons (the paper's high-low frequencies, after
 * Schubert et al. 2021; Appendix D's boundaries): an image's score is the L2 norm over the spatial
 * map of each chosen channel of a layer, combined over the channels by max or sum; the positives
 * are the training images in the top {@code fraction} of that score, and the validation images at
 * or above the same threshold (the percentile is computed on the training images and applied
 * unchanged to the validation images, as in Appendix D).
 */
public final class ActivationConcept {
  private ActivationConcept() {}

  /** How the per-channel norms of one image become its score. */
  public enum Combine {
    MAX,
    SUM
  }

  /** A reference model's output for a preprocessed batch: the feature map {@code [B, C, H, W]}. */
  @FunctionalInterface
  public interface FeatureMaps {
    NDArray apply(NDArray batch);
  }

  /**
   * Which neurons define the concept and how many images it takes.
   *
   * @param channels channel indices of the layer, at least one, none repeated
   * @param fraction the share of the training images that are positives, in (0, 1)
   */
  public record Selection(List<Integer> channels, Combine combine, double fraction) {
    public Selection {
      channels = List.copyOf(channels);
      if (channels.isEmpty()) {
        throw new IllegalArgumentException("an activation concept needs at least one channel");
      }
      if (channels.stream().distinct().count() != channels.size()) {
        throw new IllegalArgumentException("a channel is listed twice: " + channels);
      }
      if (!(fraction > 0 && fraction < 1)) {
        throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
      }
    }
  }

  /**
   * The number of training images a fraction selects: {@code floor(fraction * n)} (0 means the
   * fraction leaves no positives).
   */
  public static int positivesFor(int n, double fraction) {
    // The small epsilon keeps e.g. 0.1 * 30 from flooring to 2 through rounding.
    return (int) Math.floor(fraction * n + 1e-9);
  }

  /**
   * The score threshold: the {@link #positivesFor}-th largest training score, so that the training
   * images with a score at or above it are the top fraction (more only on ties).
   *
   * @throws BadInputException if the fraction selects no training image
   */
  public static double threshold(double[] trainScores, double fraction) {
    int k = positivesFor(trainScores.length, fraction);
    if (k < 1) {
      throw new BadInputException(
          "fraction "
              + fraction
              + " of "
              + trainScores.length
              + " training images leaves no positives; raise the fraction");
    }
    double[] sorted = trainScores.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length - k];
  }

  /**
   * Each image's score from the feature maps of a batch: for each chosen channel the L2 norm over
   * its {@code H x W} map, combined over channels.
   *
   * @param maps {@code [B, C, H, W]}
   * @throws BadInputException if a channel index is not below the map's channel count
   */
  public static double[] scores(NDArray maps, Selection selection) {
    long[] shape = maps.getShape().getShape();
    if (shape.length != 4) {
      throw new BadInputException(
          "the reference layer's output has shape "
              + maps.getShape()
              + "; an activation concept needs a feature map [batch, channels, height, width]");
    }
    for (int c : selection.channels()) {
      if (c < 0 || c >= shape[1]) {
        throw new BadInputException(
            "channel " + c + " is out of range for a layer with " + shape[1] + " channels");
      }
    }
    int b = (int) shape[0];
    int channels = (int) shape[1];
    int per = (int) (shape[2] * shape[3]);
    float[] values = maps.toFloatArray();
    double[] out = new double[b];
    for (int i = 0; i < b; i++) {
      double combined = selection.combine() == Combine.MAX ? Double.NEGATIVE_INFINITY : 0;
      for (int c : selection.channels()) {
        int off = (i * channels + c) * per;
        double sum = 0;
        for (int p = 0; p < per; p++) {
          double v = values[off + p];
          sum += v * v;
        }
        double norm = Math.sqrt(sum);
        combined = selection.combine() == Combine.MAX ? Math.max(combined, norm) : combined + norm;
      }
      out[i] = combined;
    }
    return out;
  }

  /**
   * The scores of every image of {@code data}, in its order, batch by batch in sub-managers of
   * {@code manager}.
   */
  public static double[] scores(
      ImageDataset data,
      BatchEncoder encoder,
      FeatureMaps reference,
      Selection selection,
      int batchSize,
      NDManager manager) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    double[] out = new double[data.size()];
    for (int start = 0; start < data.size(); start += batchSize) {
      int end = Math.min(data.size(), start + batchSize);
      List<Example> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        batch.add(data.get(i));
      }
      try (NDManager scope = manager.newSubManager()) {
        NDArray maps = reference.apply(encoder.encode(batch, scope));
        maps.attach(scope);
        System.arraycopy(scores(maps, selection), 0, out, start, end - start);
      }
    }
    return out;
  }
}
