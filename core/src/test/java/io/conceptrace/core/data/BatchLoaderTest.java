package io.conceptrace.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
  private final ImageDataset data = new SyntheticShapes(SyntheticShapes.Config.of(2, "train", 70));
  private final Normalization norm = Normalization.estimate(data, 70);

  private static ai.djl.ndarray.NDManager manager() {
    var engine =
        io.conceptrace.core.engine.ComputeEngine.start(
            new io.conceptrace.core.engine.EngineOptions(
                io.conceptrace.core.engine.DeviceSpec.CPU, 0));
    return engine.engine().newBaseManager(engine.device());
  }

  private List<float[]> pixelsOfEpoch(int workers, int epoch) {
    BatchLoader.Options o =
        new BatchLoader.Options(16, true, false, Augmentation.standard(), norm, workers, 3, 5);
    List<float[]> out = new ArrayList<>();
    try (BatchLoader loader = new BatchLoader(data, o)) {
      Iterator<HostBatch> it = loader.epoch(epoch);
      while (it.hasNext()) {
        HostBatch b = it.next();
        try (var m = manager()) {
          out.add(b.images(m).toFloatArray());
        }
      }
    }
    return out;
  }

  @Test
  void shuffledAugmentedBatchesDoNotDependOnWorkerCount() {
    List<float[]> one = pixelsOfEpoch(1, 0);
    List<float[]> three = pixelsOfEpoch(3, 0);
    assertThat(one).hasSize(5);
    for (int i = 0; i < one.size(); i++) {
      assertThat(three.get(i)).isEqualTo(one.get(i));
    }
    assertThat(pixelsOfEpoch(1, 1).get(0)).isNotEqualTo(one.get(0));
  }

  @Test
  void everyExampleOnceInOrderWithoutShuffle() {
    BatchLoader.Options o = BatchLoader.Options.evaluation(32, norm);
    try (BatchLoader loader = new BatchLoader(data, o)) {
      List<String> ids = new ArrayList<>();
      loader.epoch(0).forEachRemaining(b -> ids.addAll(b.ids()));
      assertThat(ids).hasSize(70);
      assertThat(ids.get(69)).isEqualTo("synthetic/train/69");
      HostBatch first = loader.epoch(0).next();
      float[] expected = data.get(0).image().toArray();
      norm.apply(expected, 0, 32 * 32);
      try (var m = manager()) {
        float[] got = Arrays.copyOf(first.images(m).toFloatArray(), expected.length);
        assertThat(got).isEqualTo(expected);
        assertThat(first.labels(m).toIntArray()).startsWith(0, 1, 2);
      }
    }
  }

  @Test
  void dropLastAndShuffleCoverEachExampleAtMostOnce() {
    BatchLoader.Options o =
        new BatchLoader.Options(16, true, true, Augmentation.none(), norm, 2, 2, 1);
    try (BatchLoader loader = new BatchLoader(data, o)) {
      assertThat(loader.batchesPerEpoch()).isEqualTo(4);
      List<Integer> seen = new ArrayList<>();
      loader.epoch(3).forEachRemaining(b -> Arrays.stream(b.indices()).forEach(seen::add));
      assertThat(seen).hasSize(64).doesNotHaveDuplicates();
    }
  }

  @Test
  void workerErrorsReachTheConsumerWithTheirMessage() {
    ImageDataset broken =
        new ImageDataset() {
          @Override
          public String name() {
            return "broken";
          }

          @Override
          public int size() {
            return 4;
          }

          @Override
          public Example get(int index) {
            throw new BadInputException("cannot decode image /data/x.jpg: truncated");
          }

          @Override
          public List<String> classNames() {
            return List.of("a", "b");
          }

          @Override
          public int channels() {
            return 3;
          }

          @Override
          public int imageSize() {
            return 32;
          }
        };
    try (BatchLoader loader = new BatchLoader(broken, BatchLoader.Options.evaluation(2, norm))) {
      Iterator<HostBatch> it = loader.epoch(0);
      assertThatThrownBy(it::next)
          .isInstanceOf(BadInputException.class)
          .hasMessage("cannot decode image /data/x.jpg: truncated");
    }
  }

  @Test
  void cropShiftsWithZeroFillAndFlipMirrors() {
    // 1 channel 4×4 image with values 1..16.
    float[] img = new float[16];
    for (int i = 0; i < 16; i++) {
      img[i] = i + 1;
    }
    float[] flipped = img.clone();
    new Augmentation(0, true).apply(flipped, 0, 1, 4, new float[16], alwaysFlip());
    assertThat(Arrays.copyOf(flipped, 4)).containsExactly(4, 3, 2, 1);

    // Find a stream whose first crop offsets are (dy, dx) = (+1, -1): content moves up-right.
    for (long s = 0; s < 1000; s++) {
      SplittableRandom probe = new SplittableRandom(s);
      int dy = probe.nextInt(3) - 1;
      int dx = probe.nextInt(3) - 1;
      if (dy == 1 && dx == -1) {
        float[] x = img.clone();
        new Augmentation(1, false).apply(x, 0, 1, 4, new float[16], new SplittableRandom(s));
        // out(y, x) = in(y + 1, x - 1), zero outside.
        assertThat(x).containsExactly(0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 0, 0, 0);
        return;
      }
    }
    throw new AssertionError("no seed produced the wanted offsets");
  }

  private static SplittableRandom alwaysFlip() {
    for (long s = 0; ; s++) {
      if (new SplittableRandom(s).nextBoolean()) {
        return new SplittableRandom(s);
      }
    }
  }

  @Test
  void normalisationMustMatchChannels() {
    assertThatThrownBy(
            () ->
                new BatchLoader(
                    data, BatchLoader.Options.evaluation(4, Normalization.fashionMnist(1))))
        .hasMessageContaining("channels");
    assertThat(Set.of(norm.channels())).containsExactly(3);
  }
}
