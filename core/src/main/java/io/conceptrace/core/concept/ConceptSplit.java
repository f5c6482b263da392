package io.conceptrace.core.concept;

import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import java.util.List;

/**
 * One split (train or test) of a concept set: examples of a base data set or a user folder, each
 * labelled positive or negative. It is an {@link ImageDataset} itself, so the same batch loaders
 * and activation extraction work on it; {@link #get} returns the original example (with its
 * original id and class label, {@code -1} for folder images that have no class), and {@link
 * #labels()} gives the concept labels.
 */
public final class ConceptSplit implements ImageDataset {
  /** Where one member comes from. */
  record Member(ImageDataset source, int index, String id, boolean positive) {}

  private final String name;
  private final List<Member> members;
  private final ImageDataset shapeSource;

  ConceptSplit(String name, List<Member> members, ImageDataset shapeSource) {
    this.name = name;
    this.members = List.copyOf(members);
    this.shapeSource = shapeSource;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int size() {
    return members.size();
  }

  @Override
  public Example get(int index) {
    Member m = members.get(index);
    return m.source().get(m.index());
  }

  /** The original class label ({@code -1} for folder images), without decoding where possible. */
  @Override
  public int label(int index) {
    Member m = members.get(index);
    return m.source().label(m.index());
  }

  @Override
  public String id(int index) {
    return members.get(index).id();
  }

  /** Whether the i-th example is a positive of the concept. */
  public boolean isPositive(int index) {
    return members.get(index).positive();
  }

  /** Concept labels, 1 for positive and 0 for negative, in split order. */
  public float[] labels() {
    float[] y = new float[members.size()];
    for (int i = 0; i < y.length; i++) {
      y[i] = members.get(i).positive() ? 1f : 0f;
    }
    return y;
  }

  public int positives() {
    return (int) members.stream().filter(Member::positive).count();
  }

  public int negatives() {
    return size() - positives();
  }

  /** The example ids in split order. */
  public List<String> ids() {
    return members.stream().map(Member::id).toList();
  }

  @Override
  public List<String> classNames() {
    return shapeSource.classNames();
  }

  @Override
  public int channels() {
    return shapeSource.channels();
  }

  @Override
  public int imageSize() {
    return shapeSource.imageSize();
  }
}
