package io.conceptrace.core.data;

import java.util.Arrays;

/**
 * Per-channel standardisation (x − mean) / std, applied after augmentation.
 *
 * @param mean one value per channel
 * @param std one positive value per channel
 */
public record Normalization(float[] mean, float[] std) {
  /** torchvision's ImageNet statistics. */
  public static final Normalization IMAGENET =
      new Normalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

  /** CIFAR-10 training-set statistics. */
  public static final Normalization CIFAR10 =
      new Normalization(
          new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2470f, 0.2435f, 0.2616f});

  public Normalization {
    if (mean.length != std.length || mean.length == 0) {
      throw new IllegalArgumentException("mean and std need one value per channel");
    }
    for (float s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** Fashion-MNIST training-set statistics, for 1 or 3 (copied grey) channels. */
  public static Normalization fashionMnist(int channels) {
    float[] m = new float[channels];
    float[] s = new float[channels];
    Arrays.fill(m, 0.2860f);
    Arrays.fill(s, 0.3530f);
    return new Normalization(m, s);
  }

  /** Mean and standard deviation per channel over (up to) {@code samples} evenly spaced images. */
  public static Normalization estimate(ImageDataset data, int samples) {
    int c = data.channels();
    double[] sum = new double[c];
    double[] sq = new double[c];
    long perChannel = 0;
    int n = Math.min(samples, data.size());
    if (n == 0) {
      throw new IllegalArgumentException("cannot estimate statistics of an empty dataset");
    }
    for (int k = 0; k < n; k++) {
      ImageTensor img = data.get((int) ((long) k * data.size() / n)).image();
      float[] px = img.toArray();
      int plane = img.height() * img.width();
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < plane; i++) {
          double v = px[ch * plane + i];
          sum[ch] += v;
          sq[ch] += v * v;
        }
      }
      perChannel += plane;
    }
    float[] m = new float[c];
    float[] s = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double mu = sum[ch] / perChannel;
      m[ch] = (float) mu;
      s[ch] = (float) Math.max(1e-3, Math.sqrt(Math.max(0, sq[ch] / perChannel - mu * mu)));
    }
    return new Normalization(m, s);
  }

  public int channels() {
    return mean.length;
  }

  /** Normalises one CHW image in place. */
  public void apply(float[] pixels, int offset, int plane) {
    for (int c = 0; c < mean.length; c++) {
      float m = mean[c];
      float inv = 1f / std[c];
      int base = offset + c * plane;
      for (int i = 0; i < plane; i++) {
        pixels[base + i] = (pixels[base + i] - m) * inv;
      }
    }
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalization n && Arrays.equals(n.mean, mean) && Arrays.equals(n.std, std);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
  }
}
