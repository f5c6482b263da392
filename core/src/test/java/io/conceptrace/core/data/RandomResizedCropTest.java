package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Iterator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {
  private static final int DRAWS = 200_000;

  /**
   * On a 224² image every first attempt with scale s <= 0.75 fits (w = sqrt(s·r)·224 <= 224 for r
   * <= 4/3), so among windows of area fraction below 0.7 the scale is uniform and the log aspect
   * ratio uniform in (log 3/4, log 4/3): torchvision's distribution, checked bin by bin.
   */
  @Test
  void areasAndAspectRatiosFollowTorchvisionsDistribution() {
    SplittableRandom random = new SplittableRandom(42);
    int[] scaleBins = new int[6];
    int[] ratioBins = new int[4];
    int small = 0;
    double minFraction = 1;
    double maxFraction = 0;
    for (int i = 0; i < DRAWS; i++) {
      int[] w = Augmentation.randomResizedWindow(224, 224, random);
      assertThat(w[0]).isBetween(0, 224 - w[2]);
      assertThat(w[1]).isBetween(0, 224 - w[3]);
      double fraction = (double) w[2] * w[3] / (224 * 224);
      double logRatio = Math.log((double) w[3] / w[2]);
      minFraction = Math.min(minFraction, fraction);
      maxFraction = Math.max(maxFraction, fraction);
      assertThat(logRatio).isBetween(Math.log(3.0 / 4) - 0.02, Math.log(4.0 / 3) + 0.02);
      if (fraction < 0.7) {
        small++;
        scaleBins[Math.min(5, (int) ((fraction - 0.08) / (0.62 / 6)))]++;
        double u = (logRatio - Math.log(3.0 / 4)) / (Math.log(4.0 / 3) - Math.log(3.0 / 4));
        ratioBins[Math.max(0, Math.min(3, (int) (u * 4)))]++;
      }
    }
    assertThat(minFraction).isCloseTo(0.08, within(0.005));
    assertThat(maxFraction).isGreaterThan(0.98);
    // An attempt is rejected when s > 0.75 and |log r| > -log s: with L = log(4/3),
    // q = (1/0.92) * integral over (0.75, 1) of (1 + ln s / L) ds. Each attempt lands below 0.7
    // with probability 0.62 / 0.92, so P(small) = (0.62 / 0.92) / (1 - q) (ten attempts ~ all).
    double l = Math.log(4.0 / 3);
    double q = (0.25 + (-1 - (0.75 * Math.log(0.75) - 0.75)) / l) / 0.92;
    assertThat((double) small / DRAWS).isCloseTo((0.62 / 0.92) / (1 - q), within(0.01));
    for (int bin : scaleBins) {
      assertThat((double) bin / small).isCloseTo(1.0 / 6, within(0.01));
    }
    for (int bin : ratioBins) {
      assertThat((double) bin / small).isCloseTo(0.25, within(0.01));
    }
  }

  @Test
  void afterTenFailedAttemptsTheCentreCropFallback() {
    // A 1 x 100 strip: every window of >= 8 % of the area is taller than 1 pixel, so all ten
    // attempts fail; the image is wider than 4/3, so the fallback is h = 1, w = round(4/3) = 1,
    // centred.
    int[] w = Augmentation.randomResizedWindow(1, 100, new SplittableRandom(3));
    assertThat(w).containsExactly(0, 49, 1, 1);
    // A tall 100 x 1 strip: w = 1, h = round(1 / (3/4)) = 1, centred vertically.
    assertThat(Augmentation.randomResizedWindow(100, 1, new SplittableRandom(3)))
        .containsExactly(49, 0, 1, 1);
  }

  @Test
  void theWindowIsResizedToTheOutputSize() {
    // A horizontal ramp: every crop of it, resized, is still non-decreasing left to right, and
    // no pixel leaves the source's range.
    int size = 32;
    float[] img = new float[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        img[y * size + x] = x / (float) (size - 1);
      }
    }
    Augmentation crop = new Augmentation(Augmentation.Crop.RANDOM_RESIZED, 0, false);
    boolean differs = false;
    for (int s = 0; s < 20; s++) {
      float[] out = new float[16 * 16];
      crop.apply(img, 0, 1, size, out, 0, 16, new float[size * size], new SplittableRandom(s));
      for (int y = 0; y < 16; y++) {
        for (int x = 1; x < 16; x++) {
          assertThat(out[y * 16 + x]).isGreaterThanOrEqualTo(out[y * 16 + x - 1] - 1e-6f);
        }
      }
      differs |= Math.abs(out[15] - out[0]) < 0.9f; // a window narrower than the whole ramp
    }
    assertThat(differs).isTrue();
    // Pad-crop values that are not read by pad-crop do not make two augmentations differ.
    assertThat(new Augmentation(Augmentation.Crop.RANDOM_RESIZED, 4, true))
        .isEqualTo(Augmentation.randomResizedCropAndFlip());
  }

  @Test
  void theLoaderDeliversBatchesAtTheRequestedResolution() {
    ImageDataset data = new SyntheticShapes(SyntheticShapes.Config.of(2, "train", 8));
    Normalization norm = Normalization.estimate(data, 8);
    BatchLoader.Options o =
        new BatchLoader.Options(
            4, true, false, Augmentation.randomResizedCropAndFlip(), norm, 1, 2, 1);
    try (BatchLoader loader = new BatchLoader(data, o)) {
      Iterator<HostBatch> it = loader.epoch(0, 64);
      HostBatch b = it.next();
      assertThat(b.size()).isEqualTo(4);
      try (var engine = manager()) {
        assertThat(b.images(engine).getShape().getShape()).containsExactly(4, 3, 64, 64);
      }
      HostBatch same = loader.epoch(0).next();
      try (var engine = manager()) {
        assertThat(same.images(engine).getShape().getShape())
            .containsExactly(4, 3, data.imageSize(), data.imageSize());
      }
    }
  }

  private static ai.djl.ndarray.NDManager manager() {
    var engine =
        io.conceptrace.core.engine.ComputeEngine.start(
            new io.conceptrace.core.engine.EngineOptions(
                io.conceptrace.core.engine.DeviceSpec.CPU, 0));
    return engine.engine().newBaseManager(engine.device());
  }
}
