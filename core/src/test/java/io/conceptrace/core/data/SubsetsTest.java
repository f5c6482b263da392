package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubsetsTest {
  private final ImageDataset data = new SyntheticShapes(SyntheticShapes.Config.of(1, "train", 200));

  private static List<String> ids(ImageDataset d) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < d.size(); i++) {
      out.add(d.id(i));
    }
    return out;
  }

  @Test
  void perClassFractionIsSeededBalancedAndKeepsIds() {
    ImageDataset a = Subsets.perClassFraction(data, 0.1, 7);
    ImageDataset b = Subsets.perClassFraction(data, 0.1, 7);
    ImageDataset c = Subsets.perClassFraction(data, 0.1, 8);
    assertThat(a.size()).isEqualTo(20);
    int[] counts = new int[10];
    for (int i = 0; i < a.size(); i++) {
      counts[a.label(i)]++;
      assertThat(a.get(i).id()).isEqualTo(a.id(i)).startsWith("synthetic/train/");
    }
    assertThat(counts).containsOnly(2);
    assertThat(ids(a)).isEqualTo(ids(b)).isNotEqualTo(ids(c));
  }

  @Test
  void excludingDropsExactlyTheListedIds() {
    ImageDataset pruned = Subsets.excluding(data, Set.of("synthetic/train/0", "synthetic/train/5"));
    assertThat(pruned.size()).isEqualTo(198);
    assertThat(ids(pruned)).doesNotContain("synthetic/train/0", "synthetic/train/5");
    assertThat(pruned.id(0)).isEqualTo("synthetic/train/1");
    assertThatThrownBy(() -> Subsets.excluding(data, Set.of("fashion-mnist/train/1")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("fashion-mnist/train/1");
  }

  @Test
  void composesWithOtherSubsets() {
    ImageDataset tenth = Subsets.perClassFraction(data, 0.1, 7);
    ImageDataset pruned = Subsets.excluding(tenth, Set.of(tenth.id(3)));
    assertThat(pruned.size()).isEqualTo(19);
    assertThat(ids(pruned)).doesNotContain(tenth.id(3));
  }
}
