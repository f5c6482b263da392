package io.conceptrace.core.concept;

import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.ImageTensor;
import java.util.List;
import java.util.Set;
import java.util.function.IntUnaryOperator;

/**
 * An in-memory data set for tests: example i has class {@code labelOf(i)} and a flat grey image of
 * brightness {@code (i % 10) / 10}; ids are {@code <name>/<i>}.
 */
final class TinyDataset implements ImageDataset {
  private final String name;
  private final int size;
  private final int classes;
  private final IntUnaryOperator labelOf;
  private int reads;

  TinyDataset(String name, int size, int classes, IntUnaryOperator labelOf) {
    this.name = name;
    this.size = size;
    this.classes = classes;
    this.labelOf = labelOf;
  }

  /** Labels cycle 0, 1, ..., classes-1. */
  static TinyDataset cycling(String name, int size, int classes) {
    return new TinyDataset(name, size, classes, i -> i % classes);
  }

  int reads() {
    return reads;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Example get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException(index);
    }
    reads++;
    float[] px = new float[3 * 4 * 4];
    java.util.Arrays.fill(px, (index % 10) / 10f);
    return new Example(
        name + "/" + index, labelOf.applyAsInt(index), new ImageTensor(3, 4, 4, px), Set.of());
  }

  @Override
  public List<String> classNames() {
    return java.util.stream.IntStream.range(0, classes).mapToObj(c -> "c" + c).toList();
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public int imageSize() {
    return 4;
  }
}
