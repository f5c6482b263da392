package io.conceptrace.core.train;

/**
 * The learning rate as a multiple of the base rate, as a function of training progress measured in
 * (fractional) epochs: step {@code s} of {@code n} per epoch in epoch {@code e} (0-based) is at
 * {@code t = e + s / n}. Evaluated at every step.
 */
public sealed interface LrSchedule {
  /** The factor at progress {@code t} of {@code epochs} total. */
  double factor(double t, int epochs);

  /** The base rate throughout. */
  record Constant() implements LrSchedule {
    @Override
    public double factor(double t, int epochs) {
      return 1;
    }
  }

  /**
   * Multiplied by {@code ratio} every {@code stepLength} epochs (FFCV's {@code step}: {@code ratio
   * ^ floor(epoch / stepLength)}).
   */
  record Step(int stepLength, double ratio) implements LrSchedule {
    public Step {
      if (stepLength < 1 || !(ratio > 0)) {
        throw new IllegalArgumentException("step length must be >= 1 and ratio > 0");
      }
    }

    @Override
    public double factor(double t, int epochs) {
      return Math.pow(ratio, Math.floor(Math.floor(t) / stepLength));
    }
  }

  /**
   * FFCV's triangular ("cyclic") schedule: linear from {@code startFactor} at epoch 0 up to the
   * base rate at {@code peakEpoch}, then linear down to 0 at the last epoch's end ({@code
   * np.interp(t, [0, peak, epochs], [startFactor, 1, 0])}; FFCV's ImageNet example uses {@code
   * startFactor = 1e-4}). With {@code peakEpoch = 0} training starts at the base rate and {@code
   * startFactor} has no effect.
   */
  record Triangular(double peakEpoch, double startFactor) implements LrSchedule {
    public Triangular {
      if (!(peakEpoch >= 0)) {
        throw new IllegalArgumentException("peak epoch must be >= 0, got " + peakEpoch);
      }
      if (!(startFactor >= 0 && startFactor <= 1)) {
        throw new IllegalArgumentException("start factor must be in [0, 1], got " + startFactor);
      }
    }

    /** Starting from 0. */
    public Triangular(double peakEpoch) {
      this(peakEpoch, 0);
    }

    @Override
    public double factor(double t, int epochs) {
      double peak = Math.min(peakEpoch, epochs);
      if (t <= peak) {
        return peak == 0 ? 1 : startFactor + (1 - startFactor) * t / peak;
      }
      return epochs == peak ? 0 : Math.max(0, (epochs - t) / (epochs - peak));
    }
  }

  /** Linear warm-up from 0 over {@code warmupEpochs}, then half a cosine down to 0. */
  record Cosine(double warmupEpochs) implements LrSchedule {
    public Cosine {
      if (!(warmupEpochs >= 0)) {
        throw new IllegalArgumentException("warm-up epochs must be >= 0, got " + warmupEpochs);
      }
    }

    @Override
    public double factor(double t, int epochs) {
      double w = Math.min(warmupEpochs, epochs);
      if (t < w) {
        return t / w;
      }
      double span = epochs - w;
      return span <= 0 ? 1 : 0.5 * (1 + Math.cos(Math.PI * Math.min(1, (t - w) / span)));
    }
  }
}
