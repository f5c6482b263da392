package io.conceptrace.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  @Test
  void triangularRisesToThePeakAndFallsToZero() {
    LrSchedule s = new LrSchedule.Triangular(2);
    assertThat(s.factor(0, 10)).isZero();
    assertThat(s.factor(1, 10)).isCloseTo(0.5, within(1e-12));
    assertThat(s.factor(2, 10)).isCloseTo(1, within(1e-12));
    assertThat(s.factor(6, 10)).isCloseTo(0.5, within(1e-12));
    assertThat(s.factor(10, 10)).isZero();
  }

  @Test
  void triangularStartsAtTheStartFactorAsFfcvsImagenetExample() {
    // FFCV: np.interp(t, [0, peak, epochs], [1e-4, 1, 0]) times the base rate.
    LrSchedule s = new LrSchedule.Triangular(2, 1e-4);
    assertThat(s.factor(0, 10)).isCloseTo(1e-4, within(1e-15));
    assertThat(s.factor(1, 10)).isCloseTo(1e-4 + (1 - 1e-4) / 2, within(1e-12));
    assertThat(s.factor(2, 10)).isCloseTo(1, within(1e-12));
    assertThat(s.factor(10, 10)).isZero();
    assertThat(new LrSchedule.Triangular(2, 0.5).factor(0, 10)).isCloseTo(0.5, within(1e-12));
    // peak at epoch 0: the start factor has nothing to ramp from.
    assertThat(new LrSchedule.Triangular(0, 0.5).factor(0, 10)).isEqualTo(1);
  }

  @Test
  void stepMultipliesEveryStepLengthEpochs() {
    LrSchedule s = new LrSchedule.Step(30, 0.1);
    assertThat(s.factor(29.9, 90)).isEqualTo(1);
    assertThat(s.factor(30, 90)).isCloseTo(0.1, within(1e-12));
    assertThat(s.factor(65.5, 90)).isCloseTo(0.01, within(1e-12));
  }

  @Test
  void cosineWarmsUpThenDecays() {
    LrSchedule s = new LrSchedule.Cosine(1);
    assertThat(s.factor(0.5, 11)).isCloseTo(0.5, within(1e-12));
    assertThat(s.factor(1, 11)).isCloseTo(1, within(1e-12));
    assertThat(s.factor(6, 11)).isCloseTo(0.5, within(1e-12));
    assertThat(s.factor(11, 11)).isCloseTo(0, within(1e-12));
    assertThat(new LrSchedule.Constant().factor(3, 4)).isEqualTo(1);
  }
}
