package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ProgressiveResolutionTest {
  /** FFCV's get_resolution: round(np.interp(epoch, [start, end], [min, max]) / 32) * 32. */
  private static int ffcv(int epoch, int min, int max, int start, int end) {
    if (epoch <= start) {
      return min;
    }
    if (epoch >= end) {
      return max;
    }
    double interp = min + (max - min) * (double) (epoch - start) / (end - start);
    return (int) Math.rint(interp / 32) * 32;
  }

  @Test
  void theRn18RampOfImagenet10pMatchesTheFormulaAtEveryEpoch() {
    ProgressiveResolution r = new ProgressiveResolution(160, 192, 130, 152);
    for (int epoch = 0; epoch < 176; epoch++) {
      assertThat(r.at(epoch)).as("epoch %d", epoch).isEqualTo(ffcv(epoch, 160, 192, 130, 152));
    }
  }

  @Test
  void tableOfKnownValues() {
    // FFCV's rn18 88-epoch config: 160 -> 192 over epochs 65..76 (interp/32 crosses 5.5 at 70.5).
    ProgressiveResolution r = new ProgressiveResolution(160, 192, 65, 76);
    int[][] table = {
      {0, 160}, {65, 160}, {66, 160}, {70, 160}, {71, 192}, {75, 192}, {76, 192}, {87, 192}
    };
    for (int[] row : table) {
      assertThat(r.at(row[0])).as("epoch %d", row[0]).isEqualTo(row[1]);
    }
    // A wider ramp passes through the multiples of 32 in between; 144 / 32 = 4.5 rounds to even 4.
    ProgressiveResolution wide = new ProgressiveResolution(64, 256, 0, 12);
    assertThat(wide.at(0)).isEqualTo(64);
    assertThat(wide.at(1)).isEqualTo(64); // 80 / 32 = 2.5 -> 2
    assertThat(wide.at(5)).isEqualTo(128); // 144 / 32 = 4.5 -> 4
    assertThat(wide.at(6)).isEqualTo(160);
    assertThat(wide.at(11)).isEqualTo(256); // 240 / 32 = 7.5 -> 8
    assertThat(wide.at(12)).isEqualTo(256);
  }

  @Test
  void rejectsAnInvertedRamp() {
    assertThatThrownBy(() -> new ProgressiveResolution(192, 160, 0, 1))
        .hasMessageContaining("min-size");
    assertThatThrownBy(() -> new ProgressiveResolution(160, 192, 5, 1))
        .hasMessageContaining("start-epoch");
    assertThatThrownBy(() -> new ProgressiveResolution(100, 192, 0, 1))
        .hasMessageContaining("multiples of 32");
  }
}
