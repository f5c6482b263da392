package io.conceptrace.runner.report;

import io.conceptrace.core.data.ImageTensor;
import java.util.List;
import java.util.Objects;

/** The small typed inputs of the study's figures (filled by the pipeline from the run store). */
public final class FigureData {
  private FigureData() {}

  /** Values of one quantity over repeats (ensemble members, seeds): plotted as mean ± std. */
  public record Repeats(List<Double> values) {
    public Repeats {
      values = List.copyOf(values);
      if (values.isEmpty()) {
        throw new IllegalArgumentException("repeats need at least one value");
      }
    }

    public static Repeats of(double... values) {
      return new Repeats(java.util.Arrays.stream(values).boxed().toList());
    }

    public double mean() {
      return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    /** Sample standard deviation; 0 for a single value. */
    public double std() {
      if (values.size() < 2) {
        return 0;
      }
      double m = mean();
      double ss = values.stream().mapToDouble(v -> (v - m) * (v - m)).sum();
      return Math.sqrt(ss / (values.size() - 1));
    }
  }

  /**
   * Fig. 3: a concept's probe validation accuracy at each layer, layers in depth order.
   *
   * @param concept the concept's name (one line per concept)
   * @param layers layer names, shallow to deep (the x axis)
   * @param accuracy one {@link Repeats} per layer, same order
   */
  public record LayerAccuracy(String concept, List<String> layers, List<Repeats> accuracy) {
    public LayerAccuracy {
      Objects.requireNonNull(concept, "concept");
      layers = List.copyOf(layers);
      accuracy = List.copyOf(accuracy);
      if (layers.size() != accuracy.size() || layers.isEmpty()) {
        throw new IllegalArgumentException("one accuracy per layer, at least one layer");
      }
    }
  }

  /**
   * Fig. 4: sparse-probe accuracy against the number of features k, for one layer.
   *
   * @param layer the layer (one line per layer)
   * @param k the sparsity levels, increasing
   * @param accuracy one {@link Repeats} per k
   * @param dense the dense probe's accuracy (drawn as a dashed reference line), or {@code null}
   */
  public record SparsityCurve(
      String layer, List<Integer> k, List<Repeats> accuracy, Repeats dense) {
    public SparsityCurve {
      Objects.requireNonNull(layer, "layer");
      k = List.copyOf(k);
      accuracy = List.copyOf(accuracy);
      if (k.size() != accuracy.size() || k.isEmpty()) {
        throw new IllegalArgumentException("one accuracy per k, at least one k");
      }
    }
  }

  /**
   * Fig. 5 (left): attribution scores (Eq. 1) of the training examples.
   *
   * @param label what the scores are of, e.g. {@code wavy @ layer3}
   * @param scores the scores
   */
  public record ScoreDistribution(String label, double[] scores) {
    public ScoreDistribution {
      Objects.requireNonNull(label, "label");
      scores = scores.clone();
      if (scores.length == 0) {
        throw new IllegalArgumentException("no scores to plot for " + label);
      }
    }
  }

  /**
   * Fig. 5 (middle/right): probe accuracy after removing examples and retraining, for one arm.
   *
   * @param arm the arm, e.g. {@code top} or {@code random} (one line per arm)
   * @param pruned how many training examples were removed, increasing (0 = no pruning)
   * @param accuracy one {@link Repeats} per prune size (retrained ensemble)
   */
  public record PruneCurve(String arm, List<Integer> pruned, List<Repeats> accuracy) {
    public PruneCurve {
      Objects.requireNonNull(arm, "arm");
      pruned = List.copyOf(pruned);
      accuracy = List.copyOf(accuracy);
      if (pruned.size() != accuracy.size() || pruned.isEmpty()) {
        throw new IllegalArgumentException("one accuracy per prune size, at least one size");
      }
    }
  }

  /** Whether a grid's image is a positive of the concept, where the concept's definition says. */
  public enum ConceptMark {
    /** The concept's classes or predicate hold for the image. */
    POSITIVE,
    /** They do not. */
    NEGATIVE,
    /** The concept is given by example files (folder, relative): not known for training images. */
    UNKNOWN
  }

  /**
   * Figs. 2 and 6: one tile of an image grid.
   *
   * @param id the training example's id
   * @param className its class name
   * @param score its attribution score
   * @param image its pixels (1 or 3 channels, values in [0, 1])
   * @param concept whether it is a positive of the concept the ranking is for
   */
  public record AttributedImage(
      String id, String className, double score, ImageTensor image, ConceptMark concept) {
    public AttributedImage {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(className, "className");
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(concept, "concept");
      if (image.channels() != 1 && image.channels() != 3) {
        throw new IllegalArgumentException("tiles need 1 or 3 channels, got " + image.channels());
      }
    }

    /** A tile whose concept membership is not known. */
    public AttributedImage(String id, String className, double score, ImageTensor image) {
      this(id, className, score, image, ConceptMark.UNKNOWN);
    }
  }
}
