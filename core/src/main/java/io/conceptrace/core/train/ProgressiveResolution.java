package io.conceptrace.core.train;

import java.util.Optional;

/**
 * FFCV's progressive resolution ({@code get_resolution} of its ImageNet example): training images
 * are {@code minSize} pixels up to {@code startEpoch}, {@code maxSize} from {@code endEpoch} on,
 * and in between the linear interpolation rounded to the nearest multiple of 32 (numpy's {@code
 * round}, half to even). Epochs are 0-based, as in FFCV's loop. Evaluation is not affected: it
 * stays at the data's image size.
 */
public record ProgressiveResolution(int minSize, int maxSize, int startEpoch, int endEpoch) {
  public ProgressiveResolution {
    Optional<String> problem = problem(minSize, maxSize, startEpoch, endEpoch);
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }

  /**
   * Why these settings cannot make a ramp, if they cannot; {@code ctrace validate} asks the same
   * question, so a study never fails at run time on what its file said.
   */
  public static Optional<String> problem(int minSize, int maxSize, int startEpoch, int endEpoch) {
    if (minSize < 32 || minSize > maxSize) {
      return Optional.of("need 32 <= min-size <= max-size, got " + minSize + " and " + maxSize);
    }
    if (minSize % 32 != 0 || maxSize % 32 != 0) {
      return Optional.of(
          "min-size and max-size must be multiples of 32 (sizes are rounded to them), got "
              + minSize
              + " and "
              + maxSize);
    }
    if (startEpoch < 0 || startEpoch > endEpoch) {
      return Optional.of(
          "need 0 <= start-epoch <= end-epoch, got " + startEpoch + " and " + endEpoch);
    }
    return Optional.empty();
  }

  /** The side of the training images in (0-based) {@code epoch}. */
  public int at(int epoch) {
    if (epoch <= startEpoch) {
      return minSize;
    }
    if (epoch >= endEpoch) {
      return maxSize;
    }
    double interpolated =
        minSize + (double) (maxSize - minSize) * (epoch - startEpoch) / (endEpoch - startEpoch);
    return (int) Math.rint(interpolated / 32) * 32;
  }
}
