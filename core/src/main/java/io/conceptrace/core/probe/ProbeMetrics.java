package io.conceptrace.core.probe;

import java.util.Arrays;

/** Accuracy and ROC AUC of probe scores against binary concept labels. */
public final class ProbeMetrics {
  private ProbeMetrics() {}

  /** The fraction of examples whose logit sign matches the label (logit > 0 means positive). */
  public static double accuracy(float[] logits, float[] labels) {
    checkLengths(logits, labels);
    int correct = 0;
    for (int i = 0; i < logits.length; i++) {
      if ((logits[i] > 0) == (labels[i] > 0.5f)) {
        correct++;
      }
    }
    return logits.length == 0 ? Double.NaN : (double) correct / logits.length;
  }

  /**
   * The area under the ROC curve by rank statistics (Mann–Whitney U): the probability that a random
   * positive scores above a random negative, ties counting one half. Tied scores get their mean
   * rank. NaN when one class is absent.
   */
  public static double auc(float[] scores, float[] labels) {
    checkLengths(scores, labels);
    int n = scores.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
    double positiveRankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double meanRank = (i + j) / 2.0 + 1; // ranks are 1-based
      for (int t = i; t <= j; t++) {
        if (labels[order[t]] > 0.5f) {
          positiveRankSum += meanRank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double u = positiveRankSum - positives * (positives + 1) / 2.0;
    return u / ((double) positives * negatives);
  }

  private static void checkLengths(float[] a, float[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(a.length + " scores but " + b.length + " labels");
    }
  }
}
