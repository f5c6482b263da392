package io.conceptrace.core.concept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Example;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConceptSetTest {
  // 100 training images, 40 validation images, 10 classes cycling.
  private final TinyDataset train = TinyDataset.cycling("base/train", 100, 10);
  private final TinyDataset val = TinyDataset.cycling("base/val", 40, 10);

  private ConceptSet.Builder builder(ConceptSpec spec) {
    return ConceptSet.builder()
        .setName("c")
        .setSpec(spec)
        .setTrainSource(train)
        .setTestSource(val)
        .optSeed(7);
  }

  private static List<Integer> labels(ConceptSplit split, boolean positive) {
    return IntStream.range(0, split.size())
        .filter(i -> split.isPositive(i) == positive)
        .mapToObj(i -> split.get(i).label())
        .toList();
  }

  @Test
  void classSubsetTakesAllPositivesAndAsManyRandomNegativesFromTheRest() {
    ConceptSet set = builder(new ConceptSpec.ClassSubset(List.of(5, 6))).build();

    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(20, 20, 8, 8));
    assertThat(labels(set.train(), true)).hasSize(20).allMatch(l -> l == 5 || l == 6);
    assertThat(labels(set.train(), false)).hasSize(20).noneMatch(l -> l == 5 || l == 6);
    assertThat(set.train().ids())
        .allMatch(id -> id.startsWith("base/train/"))
        .doesNotHaveDuplicates();
    assertThat(set.test().ids()).allMatch(id -> id.startsWith("base/val/"));
    float[] y = set.train().labels();
    for (int i = 0; i < y.length; i++) {
      assertThat(y[i]).isEqualTo(set.train().isPositive(i) ? 1f : 0f);
      assertThat(set.train().get(i).id()).isEqualTo(set.train().ids().get(i));
    }
    assertThat(set.notes()).isEmpty();
    assertThat(set.toString()).contains("train 20 positive + 20 negative");
    // The split is a data set of the base's shape.
    assertThat(set.train().channels()).isEqualTo(3);
    assertThat(set.train().imageSize()).isEqualTo(4);
  }

  @Test
  void negativesAreSeeded() {
    ConceptSpec spec = new ConceptSpec.ClassSubset(List.of(1));
    List<String> a = builder(spec).build().train().ids();
    List<String> b = builder(spec).build().train().ids();
    List<String> c = builder(spec).optSeed(8).build().train().ids();
    assertThat(a).isEqualTo(b);
    assertThat(c).isNotEqualTo(a);
    // The positives are the same whatever the seed: only the negatives are sampled.
    assertThat(c.subList(0, 10)).isEqualTo(a.subList(0, 10));
  }

  @Test
  void predicateConceptSeesTheImage() {
    // Brightness (i % 10) / 10 > 0.65 holds for i % 10 in {7, 8, 9}: 30 of 100.
    ConceptSpec spec = ConceptSpec.PredicateConcept.threshold("mean", ImageView::mean, 0.65);
    ConceptSet set = builder(spec).build();
    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(30, 30, 12, 12));
    for (int i = 0; i < set.train().size(); i++) {
      Example e = set.train().get(i);
      double mean = (Integer.parseInt(e.id().substring(e.id().lastIndexOf('/') + 1)) % 10) / 10.0;
      assertThat(mean > 0.65).isEqualTo(set.train().isPositive(i));
    }
    assertThat(spec.describe()).isEqualTo("predicate mean > 0.65");
  }

  @Test
  void fewerNegativesThanPositivesSubsamplesThePositivesAndSaysSo() {
    // 90 of 100 images are positives: only 10 negatives exist.
    ConceptSet set =
        builder(new ConceptSpec.ClassSubset(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8))).build();
    assertThat(set.train().positives()).isEqualTo(10);
    assertThat(set.train().negatives()).isEqualTo(10);
    assertThat(set.notes()).anyMatch(n -> n.contains("train positives subsampled from 90 to 10"));
  }

  @Test
  void maxPositivesCapsEachSplit() {
    ConceptSet set =
        builder(new ConceptSpec.ClassSubset(List.of(0, 1, 2))).optMaxPositives(5).build();
    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(5, 5, 5, 5));
  }

  @Test
  void emptyOrOneSidedConceptsFailWithOneLineNamingTheConcept() {
    assertThatThrownBy(() -> builder(new ConceptSpec.PredicateConcept("never", v -> false)).build())
        .isInstanceOf(BadInputException.class)
        .hasMessage(
            "concept 'c' train split: no positive examples of predicate never in base/train");
    assertThatThrownBy(() -> builder(new ConceptSpec.PredicateConcept("always", v -> true)).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("every image of base/train is a positive")
        .hasMessageContaining("no negatives");
    // Positives in the training set but none in the validation set: the test split is empty.
    TinyDataset valWithout = new TinyDataset("base/val", 40, 10, i -> i % 5);
    assertThatThrownBy(
            () ->
                builder(new ConceptSpec.ClassSubset(List.of(9))).setTestSource(valWithout).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("test split: no positive examples");
    assertThatThrownBy(() -> builder(new ConceptSpec.ClassSubset(List.of(10))).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("class index 10 is out of range for base/train (0..9)");
  }

  @Test
  void relativeConceptBalancesTheTwoSidesAndDropsImagesOfBoth() {
    // A = classes {1, 2} (20 images), B = classes {2, 3, 4, 5} (40 images); class 2 is in both.
    ConceptSpec spec =
        new ConceptSpec.Relative(
            new ConceptSpec.ClassSubset(List.of(1, 2)),
            new ConceptSpec.ClassSubset(List.of(2, 3, 4, 5)));
    ConceptSet set = builder(spec).build();
    assertThat(labels(set.train(), true)).hasSize(10).containsOnly(1);
    assertThat(labels(set.train(), false)).hasSize(10).allMatch(l -> l >= 3 && l <= 5);
    assertThat(set.notes())
        .anyMatch(n -> n.contains("10 images are positives of both sides"))
        .anyMatch(n -> n.contains("train side B subsampled from 30 to 10"));
    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(10, 10, 4, 4));
  }

  @Test
  void relativeConceptWithAnEmptySideFailsNamingTheSide() {
    ConceptSpec spec =
        new ConceptSpec.Relative(
            new ConceptSpec.ClassSubset(List.of(1)),
            new ConceptSpec.PredicateConcept("no", v -> false));
    assertThatThrownBy(() -> builder(spec).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no images of predicate no (side B)");
  }

  @Test
  void positiveFolderWithoutSubfoldersHoldsOutAFractionAndResizesToTheBaseShape(@TempDir Path dir)
      throws IOException {
    Path folder = dir.resolve("stripes");
    Files.createDirectories(folder);
    for (int i = 0; i < 10; i++) {
      writePng(folder.resolve("img" + i + ".png"), 12, 8, Color.RED);
    }
    Files.writeString(folder.resolve("readme.txt"), "not an image");
    ConceptSet set = builder(new ConceptSpec.PositiveFolder(folder)).build();

    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(8, 8, 2, 2));
    Set<String> all = new HashSet<>();
    for (ConceptSplit split : List.of(set.train(), set.test())) {
      for (int i = 0; i < split.size(); i++) {
        Example e = split.get(i);
        if (split.isPositive(i)) {
          assertThat(e.id()).startsWith("stripes/img");
          assertThat(e.label()).isEqualTo(-1);
          assertThat(e.image().channels()).isEqualTo(3);
          assertThat(e.image().height()).isEqualTo(4);
          assertThat(e.image().width()).isEqualTo(4);
          assertThat(e.image().get(0, 1, 1)).isEqualTo(1f);
          assertThat(e.image().get(1, 1, 1)).isEqualTo(0f);
          assertThat(all.add(e.id())).as("train and test folder images are disjoint").isTrue();
        } else {
          assertThat(e.id()).startsWith("base/");
        }
      }
    }
    assertThat(set.notes()).anyMatch(n -> n.contains("2 of 10 images held out"));
  }

  @Test
  void positiveFolderWithTrainAndValSubfoldersUsesThem(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("train"));
    Files.createDirectories(dir.resolve("val"));
    for (int i = 0; i < 6; i++) {
      writePng(dir.resolve("train/t" + i + ".png"), 4, 4, Color.BLUE);
    }
    for (int i = 0; i < 3; i++) {
      writePng(dir.resolve("val/v" + i + ".jpg"), 4, 4, Color.BLUE);
    }
    ConceptSet set = builder(new ConceptSpec.PositiveFolder(dir)).build();
    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(6, 6, 3, 3));
    assertThat(set.test().ids()).filteredOn(id -> id.startsWith("val/")).hasSize(3);
  }

  @Test
  void aSeparateTestFolderGivesTheTestPositives(@TempDir Path dir) throws IOException {
    Files.createDirectories(dir.resolve("pos"));
    Files.createDirectories(dir.resolve("held-out"));
    for (int i = 0; i < 5; i++) {
      writePng(dir.resolve("pos/p" + i + ".png"), 4, 4, Color.BLUE);
    }
    for (int i = 0; i < 2; i++) {
      writePng(dir.resolve("held-out/h" + i + ".png"), 4, 4, Color.BLUE);
    }
    ConceptSet set =
        builder(
                new ConceptSpec.PositiveFolder(
                    dir.resolve("pos"), java.util.Optional.of(dir.resolve("held-out"))))
            .build();
    // Every file of the first folder trains, every file of the second tests: nothing held out.
    assertThat(set.sizes()).isEqualTo(new ConceptSet.Sizes(5, 5, 2, 2));
    assertThat(set.notes()).noneMatch(n -> n.contains("held out"));
  }

  @Test
  void unreadableOrMissingFolderImagesFailNamingTheFile(@TempDir Path dir) throws IOException {
    writePng(dir.resolve("good.png"), 4, 4, Color.GREEN);
    Files.write(dir.resolve("bad.png"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> builder(new ConceptSpec.PositiveFolder(dir)).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("bad.png");
    assertThatThrownBy(() -> builder(new ConceptSpec.PositiveFolder(dir.resolve("nope"))).build())
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("nope: concept folder does not exist");
  }

  private static void writePng(Path file, int w, int h, Color color) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, w, h);
    g.dispose();
    String format = file.toString().endsWith(".jpg") ? "jpg" : "png";
    ImageIO.write(img, format, file.toFile());
  }
}
