package io.conceptrace.core.concept;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * What makes an image a positive example of a concept. {@link ConceptSet} turns a spec into
 * train/test splits of positives and balanced random negatives (paper §3; Appendix D for {@link
 * Relative}).
 */
public sealed interface ConceptSpec {

  /** A short human-readable description, used in sizes reports and error messages. */
  String describe();

  /**
   * The examples of some classes are positives (the paper's snakes = ImageNet classes 52–68).
   *
   * @param classes class indices of the base data set, at least one
   */
  record ClassSubset(List<Integer> classes) implements ConceptSpec {
    public ClassSubset {
      classes = List.copyOf(classes);
      if (classes.isEmpty()) {
        throw new IllegalArgumentException("a class-subset concept needs at least one class");
      }
    }

    @Override
    public String describe() {
      return "classes " + classes;
    }
  }

  /**
   * The examples for which a function of the image says yes (an experiment's script block).
   *
   * @param description what the predicate tests, for reports (e.g. its source text)
   */
  record PredicateConcept(String description, Predicate<ImageView> predicate)
      implements ConceptSpec {
    public PredicateConcept {
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(predicate, "predicate");
    }

    /** Positives are the images whose score is strictly above {@code threshold}. */
    public static PredicateConcept threshold(
        String description, ToDoubleFunction<ImageView> score, double threshold) {
      Objects.requireNonNull(score, "score");
      return new PredicateConcept(
          description + " > " + threshold, view -> score.applyAsDouble(view) > threshold);
    }

    @Override
    public String describe() {
      return "predicate " + description;
    }
  }

  /**
   * Image files given by the user are the positives; negatives are random base images. With a
   * {@code testDir}, {@code dir} holds the train positives and {@code testDir} the test positives;
   * otherwise, if {@code dir} has sub-folders {@code train} and {@code val} (or {@code test}), they
   * give the two splits; otherwise the files are split at random (seeded) into train and test.
   */
  record PositiveFolder(Path dir, java.util.Optional<Path> testDir) implements ConceptSpec {
    public PositiveFolder {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(testDir, "testDir");
    }

    /** One folder for both splits. */
    public PositiveFolder(Path dir) {
      this(dir, java.util.Optional.empty());
    }

    @Override
    public String describe() {
      return "images in " + dir + testDir.map(t -> " (test: " + t + ")").orElse("");
    }
  }

  /**
   * The images whose activation score (computed from a reference model by {@link
   * ActivationConcept}) is at or above {@code threshold}: the training images in the top fraction,
   * and the validation images above the training images' threshold.
   *
   * @param description what defines the scores, for reports
   * @param trainScores the score of each image of the base training set, in its order
   * @param testScores the score of each image of the base validation set, in its order
   */
  record TopActivating(
      String description, double[] trainScores, double[] testScores, double threshold)
      implements ConceptSpec {
    public TopActivating {
      Objects.requireNonNull(description, "description");
      trainScores = trainScores.clone();
      testScores = testScores.clone();
    }

    /** Whether image {@code index} of the training (or validation) set is a positive. */
    public boolean positive(boolean train, int index) {
      return (train ? trainScores : testScores)[index] >= threshold;
    }

    @Override
    public double[] trainScores() {
      return trainScores.clone();
    }

    @Override
    public double[] testScores() {
      return testScores.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TopActivating t
          && t.description.equals(description)
          && java.util.Arrays.equals(t.trainScores, trainScores)
          && java.util.Arrays.equals(t.testScores, testScores)
          && Double.compare(t.threshold, threshold) == 0;
    }

    @Override
    public int hashCode() {
      return Objects.hash(
          description,
          java.util.Arrays.hashCode(trainScores),
          java.util.Arrays.hashCode(testScores),
          threshold);
    }

    @Override
    public String toString() {
      return "TopActivating[" + describe() + "]";
    }

    @Override
    public String describe() {
      return "top-activating " + description + " (score >= " + threshold + ")";
    }
  }

  /**
   * Concept {@code a} against concept {@code b} (Appendix D: high-low frequencies vs boundaries):
   * a's positives are the positives, b's positives the negatives, the larger side subsampled to
   * balance them. Images that are positives of both are left out of both sides.
   */
  record Relative(ConceptSpec a, ConceptSpec b) implements ConceptSpec {
    public Relative {
      Objects.requireNonNull(a, "a");
      Objects.requireNonNull(b, "b");
      if (a instanceof Relative || b instanceof Relative) {
        throw new IllegalArgumentException("a relative concept compares two plain concepts");
      }
    }

    @Override
    public String describe() {
      return "(" + a.describe() + ") vs (" + b.describe() + ")";
    }
  }
}
