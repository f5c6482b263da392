package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureStoreTest {
  @TempDir Path tmp;

  @Test
  void appendedRowsReadBackInBlocksAndSurviveReopening() throws Exception {
    Path file = tmp.resolve("phi.f32");
    try (FeatureStore s = FeatureStore.create(file, 3)) {
      s.append(new float[] {1, 2, 3, 4, 5, 6, 99}, 2); // only two rows are taken
      s.append(new float[] {7, 8, 9}, 1);
      assertThat(s.rows()).isEqualTo(3);
      assertThat(s.readRows(1, 2)).containsExactly(4, 5, 6, 7, 8, 9);
    }
    assertThat(Files.size(file)).isEqualTo(3 * 3 * 4);
    try (FeatureStore s = FeatureStore.open(file, 3)) {
      assertThat(s.rows()).isEqualTo(3);
      assertThat(s.readRows(0, 1)).containsExactly(1, 2, 3);
      assertThatThrownBy(() -> s.readRows(2, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void zeroAccumulatorAddsInPlace() {
    try (FeatureStore s = FeatureStore.zeros(tmp.resolve("acc.f32"), 4, 2)) {
      assertThat(s.readRows(0, 4)).containsOnly(0f);
      s.addRows(1, new float[] {1, 2, 3, 4}, 2);
      s.addRows(2, new float[] {10, 20}, 1);
      assertThat(s.readRows(0, 4)).containsExactly(0, 0, 1, 2, 13, 24, 0, 0);
      assertThat(s.rowsPerBlock(17)).isEqualTo(2);
      assertThat(s.rowsPerBlock(1)).isEqualTo(1);
    }
  }
}
