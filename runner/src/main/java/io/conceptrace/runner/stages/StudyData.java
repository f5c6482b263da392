package io.conceptrace.runner.stages;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Cifar10Binary;
import io.conceptrace.core.data.FashionMnist;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageFolderDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.Subsets;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.DataSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The experiment's training and validation sets and the input normalisation, opened once per
 * process and shared by every cell (they are read-only; the datasets decode images on demand).
 */
final class StudyData {
  /** Share of each synthetic class carrying the high-low transition (SyntheticShapes' default). */
  private static final double HIGH_LOW_FRACTION = 0.3;

  private static final int NORMALIZATION_SAMPLES = 1000;

  private final DataSpec spec;
  private ImageDataset train;
  private ImageDataset val;
  private Normalization normalization;

  StudyData(DataSpec spec) {
    this.spec = spec;
  }

  /**
   * Fails unless a cell's data spec is the one these sets were opened with (a cell planned from
   * another version of the file must not silently read these images).
   */
  void check(DataSpec cellData) {
    if (!cellData.equals(spec)) {
      throw new IllegalStateException(
          "the cell's data " + cellData.canonical() + " is not the study's " + spec.canonical());
    }
  }

  synchronized ImageDataset train() {
    if (train == null) {
      train = open(spec.train(), "train");
    }
    return train;
  }

  synchronized ImageDataset val() {
    if (val == null) {
      val = open(spec.val(), "val");
    }
    return val;
  }

  /** The normalisation base models are trained with (stored in their checkpoints). */
  synchronized Normalization normalization() {
    if (normalization == null) {
      normalization =
          switch (source()) {
            case "fashion-mnist" -> Normalization.fashionMnist(spec.channels());
            case "cifar10" -> Normalization.CIFAR10;
            default -> Normalization.estimate(train(), NORMALIZATION_SAMPLES);
          };
    }
    return normalization;
  }

  private String source() {
    return spec.source().toLowerCase(Locale.ROOT);
  }

  private ImageDataset open(Experiment.Split split, String name) {
    DataSpec d = spec;
    long subsetSeed = spec.subsetSeed();
    boolean isTrain = name.equals("train");
    ImageDataset ds =
        switch (source()) {
          case "synthetic" -> {
            int perClass = split.perClass().orElse(-1);
            if (perClass < 0 && !isTrain) {
              // The documented default, as the loader sizes the split: train's per-class / 5.
              perClass = Math.max(1, d.train().perClass().orElse(5) / 5);
            }
            if (perClass < 0) {
              throw new BadInputException("data." + name + ".per-class is required");
            }
            int classes = 10;
            yield new SyntheticShapes(
                new SyntheticShapes.Config(
                    subsetSeed, name, perClass * classes, d.imageSize(), HIGH_LOW_FRACTION));
          }
          case "fashion-mnist" ->
              FashionMnist.load(
                  split.path().orElse(FashionMnist.DEFAULT_DIR),
                  isTrain ? FashionMnist.Split.TRAIN : FashionMnist.Split.TEST,
                  new FashionMnist.Options(d.imageSize(), d.channels()));
          case "cifar10" ->
              Cifar10Binary.load(
                  requirePath(split, name),
                  isTrain ? Cifar10Binary.Split.TRAIN : Cifar10Binary.Split.TEST);
          case "image-folder" ->
              ImageFolderDataset.open(
                  requirePath(split, name),
                  new ImageFolderDataset.Options(
                      d.imageSize(),
                      Math.max(d.imageSize(), Math.round(d.imageSize() * 256f / 224f)),
                      ImageFolderDataset.OnCorrupt.FAIL));
          default -> throw new BadInputException("unknown data.source " + d.source());
        };
    if (split.fraction() < 1.0) {
      ds = Subsets.perClassFraction(ds, split.fraction(), subsetSeed);
    }
    if (!source().equals("synthetic") && split.perClass().isPresent()) {
      ds = firstPerClass(ds, split.perClass().getAsInt());
    }
    return ds;
  }

  private static Path requirePath(Experiment.Split split, String name) {
    return split
        .path()
        .orElseThrow(() -> new BadInputException("data." + name + ".path is required"));
  }

  /** The first {@code cap} examples of every class, in source order. */
  private static ImageDataset firstPerClass(ImageDataset ds, int cap) {
    Map<Integer, Integer> taken = new HashMap<>();
    List<Integer> keep = new ArrayList<>();
    for (int i = 0; i < ds.size(); i++) {
      int label = ds.label(i);
      if (taken.merge(label, 1, Integer::sum) <= cap) {
        keep.add(i);
      }
    }
    return Subsets.ofIndices(ds, keep.stream().mapToInt(Integer::intValue).toArray(), ds.name());
  }
}
