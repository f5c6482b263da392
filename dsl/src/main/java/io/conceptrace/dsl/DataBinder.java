package io.conceptrace.dsl;

import io.conceptrace.core.data.ClassNames;
import io.conceptrace.dsl.Experiment.Data;
import io.conceptrace.dsl.Experiment.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Binds {@code data.*}: the source, its classes and image shape, and the two splits. */
final class DataBinder {
  private DataBinder() {}

  static final List<String> SOURCES =
      List.of("synthetic", "fashion-mnist", "cifar10", "image-folder");

  /** Sizes of the built-in sources' splits per class: {train, val}. */
  private static final Map<String, int[]> BUILT_IN_PER_CLASS =
      Map.of("fashion-mnist", new int[] {6000, 1000}, "cifar10", new int[] {5000, 1000});

  /**
   * @param checkData whether the split directories must exist (only {@code ctrace run} needs them)
   */
  static Data bind(ConfigReader r, boolean checkData) {
    String source = r.string("data.source");
    if (!SOURCES.contains(source)) {
      r.problem(
          "data.source",
          "must be one of "
              + String.join(", ", SOURCES)
              + ", got '"
              + source
              + "'"
              + ConfigReader.suggest(source, SOURCES));
      source = r.defaultValue("data.source").unwrapped().toString();
    }
    Optional<List<String>> names = ClassNames.of(source);
    int classes;
    if (names.isPresent()) {
      classes = names.get().size();
      OptionalInt given = r.optionalInteger("data.classes", 2, 100_000);
      if (given.isPresent() && given.getAsInt() != classes) {
        r.problem(
            "data.classes",
            source + " has " + classes + " classes; remove this key or set it to " + classes);
      }
    } else if (r.isNull("data.classes")) {
      r.problem(
          "data.classes", "required for image-folder: the number of classes (ImageNet: 1000)");
      classes = 0; // unknown: class ids are not range-checked
    } else {
      classes = r.optionalInteger("data.classes", 2, 100_000).orElse(0);
    }
    int imageSize = r.integer("data.image-size", 8, 4096);
    int channels = r.integer("data.channels", 1, 3);
    if (channels == 2) {
      r.problem("data.channels", "must be 1 (grey) or 3 (RGB), got 2");
    } else if (source.equals("fashion-mnist") && channels != 1) {
      r.problem("data.channels", "fashion-mnist images are grey: set data.channels = 1");
    } else if (source.equals("cifar10") && channels != 3) {
      r.problem("data.channels", "cifar10 images are RGB: set data.channels = 3");
    }
    Split train = split(r, "train", source, classes, checkData);
    Split val = split(r, "val", source, classes, checkData);
    if (val.path().isEmpty() && !source.equals("synthetic")) {
      // fashion-mnist and cifar10 keep both splits in one directory.
      val = new Split(train.path(), val.perClass(), val.fraction(), val.sizeHint(), val.size());
    }
    return new Data(source, classes, imageSize, channels, train, val);
  }

  private static Split split(
      ConfigReader r, String which, String source, int classes, boolean checkData) {
    String p = "data." + which;
    Optional<Path> path = r.optionalString(p + ".path").map(Path::of);
    OptionalInt perClass = r.optionalInteger(p + ".per-class", 1, 10_000_000);
    double fraction = r.number(p + ".fraction", 0, true, 1, false);
    OptionalInt sizeHint = r.optionalInteger(p + ".size-hint", 1, Integer.MAX_VALUE);
    boolean needsPath = !source.equals("synthetic");
    if (needsPath && path.isEmpty() && !(which.equals("val") && !source.equals("image-folder"))) {
      r.problem(
          p + ".path", "required for " + source + ": the directory of the " + which + " split");
    }
    if (source.equals("synthetic") && which.equals("train") && perClass.isEmpty()) {
      r.problem(
          p + ".per-class", "required for synthetic: the number of images generated per class");
    }
    if (checkData && needsPath) {
      Optional<Path> dir =
          path.isPresent() ? path : r.optionalString("data.train.path").map(Path::of);
      if (dir.isPresent() && !Files.isDirectory(dir.get())) {
        r.problem(p + ".path", "no such directory: " + dir.get());
      }
    }
    OptionalInt size = OptionalInt.empty();
    if (source.equals("synthetic")) {
      int per = perClass.orElse(0);
      if (which.equals("val") && perClass.isEmpty()) {
        // synthetic's validation split: a fifth of the training split's images per class.
        per = Math.max(1, r.optionalInteger("data.train.per-class", 1, 10_000_000).orElse(5) / 5);
      }
      size = OptionalInt.of(classes * (int) Math.floor(per * fraction));
    } else if (BUILT_IN_PER_CLASS.containsKey(source)) {
      int available = BUILT_IN_PER_CLASS.get(source)[which.equals("train") ? 0 : 1];
      int per = Math.min(available, perClass.orElse(available));
      size = OptionalInt.of(classes * (int) Math.floor(per * fraction));
    } else if (sizeHint.isPresent()) {
      size = sizeHint;
    }
    return new Split(path, perClass, fraction, sizeHint, size);
  }
}
