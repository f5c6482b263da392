package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An attribution stopped after some models and resumed from its checkpoint in a fresh {@link Trak}
 * (as a new process would) ends with exactly the bytes of an uninterrupted one; a damaged, partial
 * or foreign checkpoint is never used.
 */
class TrakCheckpointTest {
  private static final int D = 5;
  private static final int N = 40;
  private static final int T = 3;
  private static final int MODELS = 3;
  private static final String KEY = "cell-abc|ctrace dev";

  private static ComputeEngine engine;

  @TempDir Path tmp;

  @BeforeAll
  static void startEngine() {
    engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
  }

  private static final Random RANDOM = new Random(11);
  private static final float[] TRAIN = gaussian(N * D);
  private static final float[] TARGETS = gaussian(T * D);
  private static final List<ProbeHead> PROBES = List.of(probe(), probe(), probe());

  /** Two projections per model (so the halves are kept too), a ridge, the reference mode. */
  private static TrakSpec spec() {
    return TrakSpec.defaults(4)
        .withProjection(ProjectionKind.GAUSSIAN, 4, 7)
        .withParameters(ParameterGroups.parse("probe-only"))
        .withRidge(1e-2)
        .withBatchSize(16)
        .withProjections(2);
  }

  /** The result's numbers and the bytes of τ. */
  private record Outcome(Trak.Result result, byte[] tau) {}

  /**
   * Adds models [first, last) after resuming from {@code area} (if given), checkpointing after
   * each; finishes only when {@code last} is the whole ensemble.
   */
  private Outcome run(
      AttributionMethod method, String workName, Path area, int last, List<Integer> restored)
      throws IOException {
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec(), method, tmp.resolve(workName), manager, N, T)) {
      if (area != null) {
        restored.add(trak.resume(area, KEY).size());
      }
      for (int m = trak.models(); m < last; m++) {
        addMember(trak, m);
        if (area != null) {
          trak.checkpoint(area, KEY);
        }
      }
      if (last < MODELS) {
        return null; // "killed": no finish()
      }
      Trak.Result r = trak.finish();
      return new Outcome(r, Files.readAllBytes(r.scores()));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = AttributionMethod.class,
      names = {"TRAK", "RANDOM"})
  void aResumedAttributionEndsWithTheBytesOfAnUninterruptedOne(AttributionMethod method)
      throws IOException {
    Outcome reference = run(method, "ref", null, MODELS, new java.util.ArrayList<>());
    Path area = tmp.resolve("area");
    List<Integer> restored = new java.util.ArrayList<>();
    run(method, "first", area, 2, restored);
    assertThat(restored).containsExactly(0);
    assertThat(checkpoints(area)).containsExactly("model-0001.ckpt"); // older ones are deleted

    Outcome resumed = run(method, "second", area, MODELS, restored);
    assertThat(restored).containsExactly(0, 2);
    assertSame(resumed, reference);
  }

  @Test
  void aCorruptNewestCheckpointIsDeletedAndAnOlderValidOneIsUsed() throws IOException {
    Outcome reference =
        run(AttributionMethod.TRAK, "ref", null, MODELS, new java.util.ArrayList<>());
    Path area = tmp.resolve("area");
    run(AttributionMethod.TRAK, "first", area, 1, new java.util.ArrayList<>());
    Path older = tmp.resolve("model-0000.saved");
    Files.copy(TrakCheckpoint.file(area, 0), older);
    Files.delete(area.resolve("model-0000.ckpt"));
    run(AttributionMethod.TRAK, "second", area, 2, new java.util.ArrayList<>());
    Files.copy(older, TrakCheckpoint.file(area, 0), StandardCopyOption.REPLACE_EXISTING);
    flipOneByte(TrakCheckpoint.file(area, 1));
    assertThat(TrakCheckpoint.checksumProblem(TrakCheckpoint.file(area, 1))).isPresent();

    List<Integer> restored = new java.util.ArrayList<>();
    Outcome resumed = run(AttributionMethod.TRAK, "third", area, MODELS, restored);
    assertThat(restored).as("models restored").containsExactly(1);
    assertSame(resumed, reference);
  }

  @Test
  void truncatedPartialAndForeignCheckpointsAreNeverUsed() throws IOException {
    Path area = tmp.resolve("area");
    run(AttributionMethod.TRAK, "first", area, 2, new java.util.ArrayList<>());
    Path ckpt = TrakCheckpoint.file(area, 1);
    byte[] whole = Files.readAllBytes(ckpt);

    // cut short, as a copy that ran out of space would be
    Files.write(ckpt, java.util.Arrays.copyOf(whole, whole.length / 2));
    assertThat(resumeCount(area, KEY)).isZero();
    assertThat(ckpt).doesNotExist();

    // an interrupted write: the temporary file is removed, not read
    Files.write(area.resolve(".model-0001.ckpt.part"), whole);
    assertThat(resumeCount(area, KEY)).isZero();
    assertThat(checkpoints(area)).isEmpty();
    assertThat(area.resolve(".model-0001.ckpt.part")).doesNotExist();

    // intact, but for another cell or software
    Files.write(ckpt, whole);
    assertThat(resumeCount(area, "cell-other|ctrace dev")).isZero();
    assertThat(ckpt).doesNotExist();

    Files.write(ckpt, whole);
    assertThat(resumeCount(area, KEY)).isEqualTo(2);
  }

  @Test
  void aCheckpointNeedsModelsAndResumeComesFirst() throws IOException {
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec(), tmp.resolve("w"), manager, N, T)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> trak.checkpoint(tmp, KEY))
          .isInstanceOf(IllegalStateException.class);
      addMember(trak, 0);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> trak.resume(tmp, KEY))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  /** Adds ensemble member m: its probe on the fixed activations, the fixed training set. */
  private static Trak.ModelReport addMember(Trak trak, int m) {
    return trak.addModel(
        m,
        new ConceptModel("m" + m, Subnetwork.activations(), PROBES.get(m)),
        BatchSource.ofRows(TRAIN, D),
        labels(TRAIN, N),
        BatchSource.ofRows(TARGETS, D),
        labels(TARGETS, T));
  }

  private int resumeCount(Path area, String key) {
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak =
            new Trak(
                spec(),
                AttributionMethod.TRAK,
                tmp.resolve("probe-" + key.hashCode()),
                manager,
                N,
                T)) {
      return trak.resume(area, key).size();
    }
  }

  @Test
  void eachModelsTimeSplitIsMeasuredAndSurvivesAResume() throws IOException {
    Path area = tmp.resolve("split");
    Trak.ModelReport report;
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec(), AttributionMethod.TRAK, tmp.resolve("w1"), manager, N, T)) {
      report = addMember(trak, 0);
      trak.checkpoint(area, KEY);
    }
    // The three parts are disjoint stretches of the training set's featurization.
    assertThat(report.gradientSeconds()).isPositive();
    assertThat(report.projectionGenerationSeconds()).isPositive();
    assertThat(report.projectionMultiplySeconds()).isPositive();
    assertThat(
            report.gradientSeconds()
                + report.projectionGenerationSeconds()
                + report.projectionMultiplySeconds())
        .isLessThanOrEqualTo(report.featurizeSeconds());
    try (NDManager manager = engine.engine().newBaseManager(engine.device());
        Trak trak = new Trak(spec(), AttributionMethod.TRAK, tmp.resolve("w2"), manager, N, T)) {
      assertThat(trak.resume(area, KEY)).containsExactly(report);
    }
  }

  private static void assertSame(Outcome actual, Outcome expected) {
    assertThat(actual.tau()).isEqualTo(expected.tau());
    Trak.Result a = actual.result();
    Trak.Result e = expected.result();
    assertThat(a.models()).isEqualTo(MODELS);
    assertThat(a.importance()).isEqualTo(e.importance());
    assertThat(a.replicaImportance()).isEqualTo(e.replicaImportance());
    assertThat(a.halfImportance()).hasSameSizeAs(e.halfImportance());
    for (int i = 0; i < e.halfImportance().size(); i++) {
      assertThat(a.halfImportance().get(i)).isEqualTo(e.halfImportance().get(i));
    }
    assertThat(a.projectionHalves()).hasSameSizeAs(e.projectionHalves());
    for (int i = 0; i < e.projectionHalves().size(); i++) {
      assertThat(a.projectionHalves().get(i)).isEqualTo(e.projectionHalves().get(i));
    }
  }

  private static void flipOneByte(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 3;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x10);
    }
  }

  private static List<String> checkpoints(Path area) throws IOException {
    try (Stream<Path> files = Files.list(area)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static boolean[] labels(float[] rows, int n) {
    boolean[] y = new boolean[n];
    ProbeHead p = PROBES.get(0);
    for (int i = 0; i < n; i++) {
      double s = p.bias();
      for (int d = 0; d < D; d++) {
        s += p.weights()[d] * rows[i * D + d];
      }
      y[i] = s > 0;
    }
    return y;
  }

  private static ProbeHead probe() {
    float[] w = gaussian(D);
    return new ProbeHead(w, (float) RANDOM.nextGaussian() * 0.1f, false);
  }

  private static float[] gaussian(int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) RANDOM.nextGaussian();
    }
    return out;
  }
}
