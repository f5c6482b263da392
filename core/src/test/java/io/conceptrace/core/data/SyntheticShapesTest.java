package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.core.concept.ImageView;
import org.junit.jupiter.api.Test;

class SyntheticShapesTest {
  private final SyntheticShapes data =
      new SyntheticShapes(SyntheticShapes.Config.of(3, "train", 400));

  @Test
  void isAPureFunctionOfSeedSplitAndIndex() {
    SyntheticShapes again = new SyntheticShapes(SyntheticShapes.Config.of(3, "train", 50));
    SyntheticShapes otherSplit = new SyntheticShapes(SyntheticShapes.Config.of(3, "val", 50));
    SyntheticShapes otherSeed = new SyntheticShapes(SyntheticShapes.Config.of(4, "train", 50));
    Example a = data.get(17);
    assertThat(again.get(17).image().toArray()).isEqualTo(a.image().toArray());
    assertThat(again.get(17).attributes()).isEqualTo(a.attributes());
    assertThat(otherSplit.get(17).image().toArray()).isNotEqualTo(a.image().toArray());
    assertThat(otherSeed.get(17).image().toArray()).isNotEqualTo(a.image().toArray());
    assertThat(a.id()).isEqualTo("synthetic/train/17").isEqualTo(data.id(17));
    assertThat(otherSplit.get(17).id()).isEqualTo("synthetic/val/17");
  }

  @Test
  void labelsCycleAndPixelsAreInRange() {
    for (int i = 0; i < 30; i++) {
      Example e = data.get(i);
      assertThat(e.label()).isEqualTo(i % 10).isEqualTo(data.label(i));
      assertThat(e.image().channels()).isEqualTo(3);
      assertThat(e.image().height()).isEqualTo(32);
      for (float v : e.image().toArray()) {
        assertThat(v).isBetween(0f, 1f);
      }
    }
    assertThat(data.classNames()).isEqualTo(ClassNames.SYNTHETIC);
  }

  @Test
  void wavyIsExactlySnakeAndWorm() {
    for (int i = 0; i < 100; i++) {
      Example e = data.get(i);
      String cls = ClassNames.SYNTHETIC.get(e.label());
      assertThat(e.attributes().contains(SyntheticShapes.WAVY))
          .as(cls)
          .isEqualTo(cls.equals("snake") || cls.equals("worm"));
    }
  }

  @Test
  void highLowIsInTheConfiguredFractionOfEveryClassAndMeasurable() {
    int[] perClass = new int[10];
    double logContrastWith = 0;
    double logContrastWithout = 0;
    int with = 0;
    for (int i = 0; i < data.size(); i++) {
      Example e = data.get(i);
      double contrast = new ImageView(e.id(), e.label(), e.image()).highLowContrast(8);
      if (e.attributes().contains(SyntheticShapes.HIGH_LOW)) {
        perClass[e.label()]++;
        logContrastWith += Math.log(contrast);
        with++;
      } else {
        logContrastWithout += Math.log(contrast);
      }
    }
    // 40 images per class, groups of 20 with exactly 6 (30 %) each.
    assertThat(perClass).containsOnly(12);
    double meanWith = logContrastWith / with;
    double meanWithout = logContrastWithout / (data.size() - with);
    // The planted transition raises the image-level contrast measure by a large factor on average.
    assertThat(meanWith - meanWithout).isGreaterThan(1.0);
  }

  @Test
  void fractionZeroAndOneAreHonoured() {
    SyntheticShapes none = new SyntheticShapes(new SyntheticShapes.Config(1, "x", 40, 32, 0));
    SyntheticShapes all = new SyntheticShapes(new SyntheticShapes.Config(1, "x", 40, 32, 1));
    for (int i = 0; i < 40; i++) {
      assertThat(none.get(i).attributes()).doesNotContain(SyntheticShapes.HIGH_LOW);
      assertThat(all.get(i).attributes()).contains(SyntheticShapes.HIGH_LOW);
    }
  }
}
