package io.conceptrace.core.probe;

import io.conceptrace.core.BadInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Trains an affine probe {@code σ(w·x + b)} on a layer's activations with binary cross-entropy and
 * Adam (paper §2.1) or SGD with momentum ({@link ProbeOptimizer}); with a sparsity {@code k}, by
 * iterative hard thresholding (§4.2): the first half of the epochs dense, then all but the k
 * weights of largest magnitude are set to zero and frozen, and training continues for the remaining
 * epochs.
 *
 * <p>The gradient of the mean BCE-with-logits loss of an affine model is closed-form, {@code ∂L/∂w
 * = Xᵀ(σ(z) − y)/B} and {@code ∂L/∂b = Σ(σ(z) − y)/B}, so no autograd graph is needed; the two
 * matrix–vector products and the optimiser's elementwise update run over Java arrays (see {@link
 * Vectors} for why not in the engine). Freezing is explicit: a frozen weight receives no gradient,
 * no moment and no update, so it stays exactly zero.
 */
public final class ProbeTrainer {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPS = 1e-8;
  private static final int EVAL_BATCH = 256;

  public ProbeTrainer() {}

  /**
   * Trains one probe.
   *
   * @param layer the probed layer (recorded in the result)
   * @param train activations of the concept training split
   * @param trainLabels 1 for positive, 0 for negative, one per training row
   * @param val activations of the concept test split
   * @param valLabels labels of the test split
   * @throws BadInputException if the sparsity k is not below the layer's width
   */
  public TrainedProbe train(
      ProbeSpec spec,
      String layer,
      ActivationSource train,
      float[] trainLabels,
      ActivationSource val,
      float[] valLabels,
      ProbeListener listener) {
    int n = train.size();
    int d = train.features();
    checkInputs(train, trainLabels, val, valLabels);
    if (spec.isSparse()) {
      ProbeSpec.sparsityProblem(spec.sparsity().getAsInt(), d, layer)
          .ifPresent(
              m -> {
                throw new BadInputException(m);
              });
    }
    long started = System.nanoTime();
    Random random = new Random(spec.seed());
    float[] w = new float[d];
    double bound = 1 / Math.sqrt(d); // torch.nn.Linear's default initialisation
    for (int i = 0; i < d; i++) {
      w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    float[] b = {(float) ((random.nextDouble() * 2 - 1) * bound)};
    Update updateW = Update.of(spec.optimizer(), d, spec.learningRate());
    Update updateB = Update.of(spec.optimizer(), 1, spec.learningRate());
    boolean[] frozen = null;
    // After thresholding, the indices of the k live weights: logits and gradients are computed
    // over them only (the frozen weights are zero and receive no gradient, so this is exact).
    int[] active = null;
    List<EpochMetrics> history = new ArrayList<>();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }

    for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
      if (spec.isSparse() && epoch == spec.denseEpochs() + 1) {
        frozen = keepLargest(w, spec.sparsity().getAsInt());
        updateW.freeze(frozen);
        active = unfrozen(frozen);
      }
      shuffle(order, random);
      double lossSum = 0;
      int steps = 0;
      for (int start = 0; start < n; start += spec.batchSize()) {
        int[] rows = Arrays.copyOfRange(order, start, Math.min(n, start + spec.batchSize()));
        float[][] x = train.rows(rows);
        float[] gradW = new float[d];
        double gradB = 0;
        for (int i = 0; i < rows.length; i++) {
          float z = (active == null ? Vectors.dot(w, x[i]) : Vectors.dot(w, x[i], active)) + b[0];
          float y = trainLabels[rows[i]];
          lossSum += bceWithLogits(z, y);
          float g = (float) ((sigmoid(z) - y) / rows.length);
          gradB += g;
          if (active == null) {
            Vectors.axpy(g, x[i], gradW);
          } else {
            Vectors.axpy(g, x[i], gradW, active);
          }
        }
        if (spec.weightDecay() > 0) {
          for (int i = 0; i < d; i++) {
            gradW[i] += (float) (spec.weightDecay() * w[i]);
          }
        }
        updateW.step(w, gradW, frozen);
        updateB.step(b, new float[] {(float) gradB}, null);
        steps++;
        listener.afterStep(view(epoch, steps, frozen, w, b[0]));
      }
      LinearProbe current = new LinearProbe(w, b[0]);
      float[] valLogits = current.logits(val, EVAL_BATCH);
      EpochMetrics metrics =
          new EpochMetrics(
              epoch,
              frozen != null,
              lossSum / n,
              meanLoss(valLogits, valLabels),
              ProbeMetrics.accuracy(valLogits, valLabels));
      history.add(metrics);
      listener.afterEpoch(metrics);
    }

    LinearProbe probe = new LinearProbe(w, b[0]);
    float[] trainLogits = probe.logits(train, EVAL_BATCH);
    float[] valLogits = probe.logits(val, EVAL_BATCH);
    return new TrainedProbe(
        layer,
        spec,
        probe,
        history,
        ProbeMetrics.accuracy(trainLogits, trainLabels),
        ProbeMetrics.accuracy(valLogits, valLabels),
        ProbeMetrics.auc(valLogits, valLabels),
        Duration.ofNanos(System.nanoTime() - started));
  }

  private static void checkInputs(
      ActivationSource train, float[] trainLabels, ActivationSource val, float[] valLabels) {
    if (train.size() != trainLabels.length || val.size() != valLabels.length) {
      throw new IllegalArgumentException(
          "labels do not match activations: train "
              + trainLabels.length
              + " labels for "
              + train.size()
              + " rows, test "
              + valLabels.length
              + " for "
              + val.size());
    }
    if (train.features() != val.features()) {
      throw new IllegalArgumentException(
          "train and test activations differ in width: "
              + train.features()
              + " vs "
              + val.features());
    }
    if (train.size() == 0 || val.size() == 0) {
      throw new IllegalArgumentException("a probe needs non-empty train and test activations");
    }
  }

  /**
   * The hard-thresholding mask: true (frozen) for all but the k entries of largest magnitude (ties
   * broken towards the lower index, so the result is deterministic). Frozen entries of {@code w}
   * are set to zero.
   */
  static boolean[] keepLargest(float[] w, int k) {
    Integer[] idx = new Integer[w.length];
    for (int i = 0; i < w.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(
        idx,
        (a, c) -> {
          int byMagnitude = Float.compare(Math.abs(w[c]), Math.abs(w[a]));
          return byMagnitude != 0 ? byMagnitude : Integer.compare(a, c);
        });
    boolean[] frozen = new boolean[w.length];
    Arrays.fill(frozen, true);
    for (int i = 0; i < k; i++) {
      frozen[idx[i]] = false;
    }
    for (int i = 0; i < w.length; i++) {
      if (frozen[i]) {
        w[i] = 0f;
      }
    }
    return frozen;
  }

  private static int[] unfrozen(boolean[] frozen) {
    int n = 0;
    for (boolean f : frozen) {
      n += f ? 0 : 1;
    }
    int[] out = new int[n];
    int j = 0;
    for (int i = 0; i < frozen.length; i++) {
      if (!frozen[i]) {
        out[j++] = i;
      }
    }
    return out;
  }

  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  /** {@code -[y log σ(z) + (1-y) log(1-σ(z))]}, computed without overflow. */
  static double bceWithLogits(double z, double y) {
    return Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }

  private static double meanLoss(float[] logits, float[] labels) {
    double s = 0;
    for (int i = 0; i < logits.length; i++) {
      s += bceWithLogits(logits[i], labels[i]);
    }
    return s / logits.length;
  }

  private static ProbeListener.Step view(
      int epoch, int step, boolean[] frozen, float[] w, float bias) {
    return new ProbeListener.Step() {
      @Override
      public int epoch() {
        return epoch;
      }

      @Override
      public int step() {
        return step;
      }

      @Override
      public boolean sparse() {
        return frozen != null;
      }

      @Override
      public float[] weights() {
        return w.clone();
      }

      @Override
      public float bias() {
        return bias;
      }

      @Override
      public boolean[] frozen() {
        return frozen == null ? new boolean[w.length] : frozen.clone();
      }
    };
  }

  /** An optimiser's state over one parameter array. */
  interface Update {
    /** Zeroes the state of frozen entries (they get no gradient from now on). */
    void freeze(boolean[] frozen);

    /** One update of {@code p} in place; entries with {@code frozen[i]} are left alone. */
    void step(float[] p, float[] grad, boolean[] frozen);

    static Update of(ProbeOptimizer optimizer, int size, double lr) {
      return switch (optimizer.kind()) {
        case ADAM -> new Adam(size, lr);
        case SGD -> new Sgd(size, lr, optimizer.momentum(), optimizer.nesterov());
      };
    }
  }

  /**
   * SGD over one parameter array, as torch.optim.SGD without dampening: {@code buf = μ·buf + g}
   * (the first step's buffer is {@code g}), then {@code p -= lr·buf}, or with Nesterov {@code p -=
   * lr·(g + μ·buf)}.
   */
  static final class Sgd implements Update {
    private final float[] buffer;
    private final double lr;
    private final double momentum;
    private final boolean nesterov;
    private boolean started;

    Sgd(int size, double lr, double momentum, boolean nesterov) {
      this.buffer = new float[size];
      this.lr = lr;
      this.momentum = momentum;
      this.nesterov = nesterov;
    }

    @Override
    public void freeze(boolean[] frozen) {
      for (int i = 0; i < buffer.length; i++) {
        if (frozen[i]) {
          buffer[i] = 0f;
        }
      }
    }

    @Override
    public void step(float[] p, float[] grad, boolean[] frozen) {
      for (int i = 0; i < p.length; i++) {
        if (frozen != null && frozen[i]) {
          continue;
        }
        double g = grad[i];
        double direction = g;
        if (momentum > 0) {
          buffer[i] = (float) (started ? momentum * buffer[i] + g : g);
          direction = nesterov ? g + momentum * buffer[i] : buffer[i];
        }
        p[i] = (float) (p[i] - lr * direction);
      }
      started = true;
    }
  }

  /** Adam over one parameter array, as torch.optim.Adam (bias-corrected moments). */
  static final class Adam implements Update {
    private final float[] m;
    private final float[] v;
    private final double lr;
    private int t;

    Adam(int size, double lr) {
      this.m = new float[size];
      this.v = new float[size];
      this.lr = lr;
    }

    /** Zeroes the moments of frozen entries (they get no gradient from now on). */
    @Override
    public void freeze(boolean[] frozen) {
      for (int i = 0; i < m.length; i++) {
        if (frozen[i]) {
          m[i] = 0f;
          v[i] = 0f;
        }
      }
    }

    /**
     * One update of {@code p} in place. Entries with {@code frozen[i]} get neither gradient nor
     * update: masking both is what keeps them exactly at zero.
     */
    @Override
    public void step(float[] p, float[] grad, boolean[] frozen) {
      t++;
      double c1 = 1 - Math.pow(BETA1, t);
      double c2 = 1 - Math.pow(BETA2, t);
      for (int i = 0; i < p.length; i++) {
        if (frozen != null && frozen[i]) {
          continue;
        }
        double g = grad[i];
        m[i] = (float) (BETA1 * m[i] + (1 - BETA1) * g);
        v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * g * g);
        double mHat = m[i] / c1;
        double vHat = v[i] / c2;
        p[i] = (float) (p[i] - lr * mHat / (Math.sqrt(vHat) + EPS));
      }
    }
  }
}
