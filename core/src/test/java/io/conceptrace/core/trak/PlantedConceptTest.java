package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.data.SyntheticShapes;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.probe.BatchEncoder;
import io.conceptrace.core.train.BaseTrainer;
import io.conceptrace.core.train.TrainListener;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.train.TrainedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planted concept, end to end: a small network trained on generated shapes, a probe for the {@code
 * wavy} concept (snakes and worms, 2 of 10 classes) at layer3, TRAK over the training set with the
 * probe's pseudo-labels; the top-100 training images by Eq. (1) must carry the concept clearly more
 * often than its base rate.
 */
@Tag("slow")
class PlantedConceptTest {
  private static final int N = 400;
  private static final int T = 60;
  private static final int TOP = 100;

  @TempDir Path tmp;

  @Test
  void topAttributedImagesAreEnrichedForThePlantedConcept() {
    ImageDataset train = new SyntheticShapes(new SyntheticShapes.Config(3, "train", N, 16, 0.3));
    // The concept test set, as in the paper: balanced positives and negatives.
    ImageDataset targets =
        balanced(new SyntheticShapes(new SyntheticShapes.Config(3, "test", 4 * T, 16, 0.3)));
    ArchitectureSpec arch = new ArchitectureSpec("small-cnn", 0.25, true, 3, 16, 10);
    Normalization norm = Normalization.estimate(train, 200);
    boolean[] wavy = new boolean[N];
    for (int i = 0; i < N; i++) {
      wavy[i] = train.get(i).attributes().contains(SyntheticShapes.WAVY);
    }
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        TrainedModel base =
            new BaseTrainer(manager)
                .train(
                    arch,
                    train,
                    Optional.empty(),
                    norm,
                    TrainSpec.smallImages(6, 32, 0.2, 1)
                        .withAugmentation(new Augmentation(0, false)),
                    TrainListener.NONE)) {
      BatchSource trainInputs = BatchSource.of(train, BatchEncoder.evaluation(norm));
      BatchSource targetInputs = BatchSource.of(targets, BatchEncoder.evaluation(norm));
      NetworkSubnetwork sub = new NetworkSubnetwork(base.network(), "layer3");
      // weight decay 0.1: a probe that does not separate the training set perfectly (~0.9), so
      // that Q = 1 − p is not ~0 for almost every image
      ProbeHead probe = logisticProbe(sub, trainInputs, wavy, manager, 0.1);
      ConceptModel model = new ConceptModel("planted", sub, probe);
      boolean[] yTrain = Trak.pseudoLabels(model, trainInputs, 100, manager);
      boolean[] yTargets = Trak.pseudoLabels(model, targetInputs, 100, manager);
      int agree = 0;
      for (int i = 0; i < N; i++) {
        agree += yTrain[i] == wavy[i] ? 1 : 0;
      }
      double probeAccuracy = agree / (double) N;

      TrakSpec spec = TrakSpec.defaults(1024).withRidge(1e-2).withBatchSize(100);
      Trak.Result result;
      try (Trak trak = new Trak(spec, tmp.resolve("work"), manager, N, T)) {
        trak.addModel(0, model, trainInputs, yTrain, targetInputs, yTargets);
        result = trak.finish();
      }
      List<String> ids = new ArrayList<>();
      List<String> classes = new ArrayList<>();
      for (int i = 0; i < N; i++) {
        ids.add(train.get(i).id());
        classes.add(train.classNames().get(train.get(i).label()));
      }
      List<TrakOutputs.Ranked> ranked = TrakOutputs.rank(result.importance(), ids, classes);
      double baseRate = rate(ranked, wavy, ids, 0, N);
      double top = rate(ranked, wavy, ids, 0, TOP);
      double bottom = rate(ranked, wavy, ids, N - TOP, N);
      System.out.printf(
          "planted concept: probe train accuracy %.3f, wavy base rate %.3f, top-%d rate %.3f"
              + " (enrichment %.2fx), bottom-%d rate %.3f%n",
          probeAccuracy, baseRate, TOP, top, top / baseRate, TOP, bottom);
      assertThat(probeAccuracy).isGreaterThan(0.8);
      // measured 0.33 (1.65x) on 2 cores, 0.27 (1.35x) since the ReLU's gradient at 0 is torch's
      // (a different trained model; docs/results.md: the enrichment is not noise-limited)
      assertThat(top).isGreaterThanOrEqualTo(1.3 * baseRate);
    }
  }

  private static double rate(
      List<TrakOutputs.Ranked> ranked, boolean[] wavy, List<String> ids, int from, int to) {
    int hits = 0;
    for (TrakOutputs.Ranked r : ranked.subList(from, to)) {
      hits += wavy[ids.indexOf(r.id())] ? 1 : 0;
    }
    return hits / (double) (to - from);
  }

  /** T/2 wavy and T/2 other images of {@code pool}, in pool order. */
  private static ImageDataset balanced(ImageDataset pool) {
    List<Integer> picked = new ArrayList<>();
    int pos = 0;
    int neg = 0;
    for (int i = 0; i < pool.size() && picked.size() < T; i++) {
      boolean w = pool.get(i).attributes().contains(SyntheticShapes.WAVY);
      if (w && pos < T / 2) {
        pos++;
        picked.add(i);
      } else if (!w && neg < T / 2) {
        neg++;
        picked.add(i);
      }
    }
    assertThat(picked).hasSize(T);
    return new ImageDataset() {
      @Override
      public String name() {
        return pool.name() + "/balanced";
      }

      @Override
      public int size() {
        return T;
      }

      @Override
      public io.conceptrace.core.data.Example get(int index) {
        return pool.get(picked.get(index));
      }

      @Override
      public List<String> classNames() {
        return pool.classNames();
      }

      @Override
      public int channels() {
        return pool.channels();
      }

      @Override
      public int imageSize() {
        return pool.imageSize();
      }
    };
  }

  /** A flat logistic-regression probe on layer3 (full-batch gradient descent, plain Java). */
  private static ProbeHead logisticProbe(
      Subnetwork sub, BatchSource inputs, boolean[] labels, NDManager manager, double wd) {
    float[] a;
    int d;
    try (NDManager scope = manager.newSubManager()) {
      NDArray out = sub.forward(inputs.batch(0, inputs.size(), scope), Map.of());
      d = (int) (out.size() / inputs.size());
      a = out.toFloatArray();
    }
    int n = inputs.size();
    double[] mean = new double[d];
    double[] sd = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += a[i * d + j] / n;
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double c = a[i * d + j] - mean[j];
        sd[j] += c * c / n;
      }
    }
    double[] w = new double[d];
    double b = 0;
    double lr = 0.5;
    for (int it = 0; it < 300; it++) {
      double[] gw = new double[d];
      double gb = 0;
      for (int i = 0; i < n; i++) {
        double s = b;
        for (int j = 0; j < d; j++) {
          s += w[j] * (a[i * d + j] - mean[j]) / Math.sqrt(sd[j] + 1e-6);
        }
        double err = 1 / (1 + Math.exp(-s)) - (labels[i] ? 1 : 0);
        for (int j = 0; j < d; j++) {
          gw[j] += err * (a[i * d + j] - mean[j]) / Math.sqrt(sd[j] + 1e-6) / n;
        }
        gb += err / n;
      }
      for (int j = 0; j < d; j++) {
        w[j] -= lr * (gw[j] + wd * w[j]);
      }
      b -= lr * gb;
    }
    // fold the standardisation into the affine probe on raw activations
    float[] raw = new float[d];
    double bias = b;
    for (int j = 0; j < d; j++) {
      double scale = 1 / Math.sqrt(sd[j] + 1e-6);
      raw[j] = (float) (w[j] * scale);
      bias -= w[j] * scale * mean[j];
    }
    return new ProbeHead(raw, (float) bias, false);
  }
}
