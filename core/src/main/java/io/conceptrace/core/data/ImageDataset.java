package io.conceptrace.core.data;

import java.util.List;

/**
 * A finite, indexable set of labelled images of one shape. Implementations are immutable and
 * thread-safe; {@link #get} may decode lazily. Subsets (per-class fractions, exclusions for
 * pruning) are datasets too, and keep the ids of their source.
 */
public interface ImageDataset {
  /** A short name of the source, e.g. {@code synthetic}, {@code fashion-mnist/train}. */
  String name();

  int size();

  /**
   * The i-th example.
   *
   * @throws io.conceptrace.core.BadInputException if the image cannot be read (naming the file)
   */
  Example get(int index);

  List<String> classNames();

  /**
   * The i-th example's label; sources override this to avoid decoding the image (subsets and class
   * balancing read every label).
   */
  default int label(int index) {
    return get(index).label();
  }

  /** The i-th example's stable id, by default without decoding where the source can. */
  default String id(int index) {
    return get(index).id();
  }

  int channels();

  int imageSize();
}
