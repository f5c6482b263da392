package io.conceptrace.core.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProbeMetricsTest {

  @Test
  void aucOfAHandComputedCase() {
    // Positives score 0.35 and 0.8, negatives 0.1 and 0.4. Of the 4 (positive, negative) pairs,
    // 3 are ordered correctly (0.35 < 0.4 is the miss): AUC = 3/4.
    float[] scores = {0.1f, 0.4f, 0.35f, 0.8f};
    float[] labels = {0, 0, 1, 1};
    assertThat(ProbeMetrics.auc(scores, labels)).isEqualTo(0.75);
  }

  @Test
  void tiedScoresCountOneHalf() {
    // Positives {0.5, 0.9}, negatives {0.5, 0.2}: pairs 0.5~0.5 (tie, 1/2), 0.5>0.2, 0.9>0.5,
    // 0.9>0.2: (0.5 + 3) / 4.
    float[] scores = {0.5f, 0.5f, 0.2f, 0.9f};
    float[] labels = {1, 0, 0, 1};
    assertThat(ProbeMetrics.auc(scores, labels)).isEqualTo(0.875);
  }

  @Test
  void aucEqualsThePairwiseDefinitionOnRandomScoresWithTies() {
    Random r = new Random(3);
    float[] s = new float[301];
    float[] y = new float[301];
    for (int i = 0; i < s.length; i++) {
      s[i] = r.nextInt(20); // many ties
      y[i] = r.nextInt(3) == 0 ? 1 : 0;
    }
    double wins = 0;
    long pairs = 0;
    for (int i = 0; i < s.length; i++) {
      for (int j = 0; j < s.length; j++) {
        if (y[i] == 1 && y[j] == 0) {
          wins += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
          pairs++;
        }
      }
    }
    assertThat(ProbeMetrics.auc(s, y)).isCloseTo(wins / pairs, within(1e-12));
  }

  @Test
  void aucIsUndefinedWithOneClassAndPerfectWhenSeparated() {
    assertThat(ProbeMetrics.auc(new float[] {1, 2}, new float[] {1, 1})).isNaN();
    assertThat(ProbeMetrics.auc(new float[] {-3, -1, 2, 5}, new float[] {0, 0, 1, 1})).isEqualTo(1);
    assertThat(ProbeMetrics.auc(new float[] {-3, -1, 2, 5}, new float[] {1, 1, 0, 0})).isEqualTo(0);
  }

  @Test
  void accuracyThresholdsLogitsAtZero() {
    assertThat(ProbeMetrics.accuracy(new float[] {2, -1, 0.1f, 0}, new float[] {1, 0, 0, 0}))
        .isEqualTo(0.75);
  }

  @Test
  void agreementIsTheFractionOfEqualPredictionsPerPair() {
    float[] a = {1, 1, -1, -1};
    float[] b = {1, -1, -1, -1}; // differs from a at one of 4
    float[] c = {-1, -1, 1, 1}; // the opposite of a
    ProbeAgreement agreement = ProbeAgreement.of(List.of("m0", "m1", "m2"), List.of(a, b, c));
    double[][] m = agreement.matrix();
    assertThat(m[0][1]).isEqualTo(0.75);
    assertThat(m[1][0]).isEqualTo(0.75);
    assertThat(m[0][2]).isEqualTo(0);
    assertThat(m[1][2]).isEqualTo(0.25);
    assertThat(m[2][2]).isEqualTo(1);
    assertThat(agreement.meanPairwise()).isCloseTo((0.75 + 0 + 0.25) / 3, within(1e-12));
    assertThat(agreement.minPairwise()).isEqualTo(0);
    assertThat(ProbeAgreement.of(List.of("x"), List.of(a)).meanPairwise()).isNaN();
  }
}
