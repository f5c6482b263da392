package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnrichmentTest {
  @Test
  void enrichmentIsTheCarriersTopRateOverTheirBaseRate() {
    // 10 images, 2 carry the concept (base rate 0.2); the top 2 hold one of them: 0.5 / 0.2
    double[] importance = {0.9, 0.1, 0.8, 0.2, 0.3, 0.4, 0.0, 0.5, 0.6, 0.7};
    boolean[] carriers = new boolean[10];
    carriers[0] = true; // rank 1
    carriers[6] = true; // last
    assertThat(AttributeStage.enrichment(importance, carriers, 2)).isEqualTo(2.5);
    assertThat(AttributeStage.enrichment(importance, carriers, 10)).isEqualTo(1.0);
    // the top-100 of a 10-image set is the whole set
    assertThat(AttributeStage.enrichment(importance, carriers, 100)).isEqualTo(1.0);
    assertThat(AttributeStage.enrichment(importance, new boolean[10], 2)).isNaN();
  }
}
