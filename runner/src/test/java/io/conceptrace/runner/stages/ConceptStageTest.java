package io.conceptrace.runner.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.conceptrace.core.concept.ConceptSet;
import io.conceptrace.core.concept.ConceptSplit;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import io.conceptrace.core.io.Npy;
import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.cell.CellSpecs;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.ExecutionListener;
import io.conceptrace.runner.exec.LocalExecutor;
import io.conceptrace.runner.exec.Pipeline;
import io.conceptrace.runner.exec.RunPolicy;
import io.conceptrace.store.Metric;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code concept} cell on a known answer: its reference is a traced identity module (so each
 * image's score is the sum over channels 0 and 2 of the pixels' L2 norm, computed here from the
 * images alone), its threshold the 30th largest of the 120 training scores, and the concept sets
 * built from it hold exactly the images at or above that threshold in both splits.
 */
class ConceptStageTest {
  private static final Path TINY = Path.of("src/test/resources/experiments/tiny.conf");
  private static final Path IDENTITY =
      Path.of("../core/src/test/resources/concept/torchscript/identity.pt").toAbsolutePath();

  @TempDir Path root;

  @Test
  void scoresThresholdAndSetsFromAReferenceWithKnownOutput() {
    Experiment experiment =
        new ExperimentLoader(
                new ExperimentLoader.Options(
                    List.of(
                        "concepts.id { kind = activation, reference { torchscript = \""
                            + IDENTITY
                            + "\", layer-output = pixels }, channels = [0, 2], combine = sum,"
                            + " fraction = 0.25 }"),
                    false,
                    true,
                    false),
                Optional.empty())
            .load(TINY);
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(experiment);
    List<MatrixCell> conceptCells =
        matrix.cells().stream()
            .filter(c -> c.stage().equals(Stages.CONCEPT))
            .map(MatrixCell::new)
            .toList();
    assertThat(conceptCells).hasSize(1);
    RunStore store = new RunStore(root.resolve("runs"));
    StudyInputs inputs = new StudyInputs(experiment, Optional.empty());
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 1));
    Pipeline.Result result =
        new Pipeline()
            .run(
                new Pipeline.Request(
                    matrix.experiment(),
                    conceptCells,
                    store,
                    StageRunners.forExperiment(inputs, engine),
                    List.of(),
                    new RunPolicy(false),
                    Map.of()),
                new LocalExecutor(1),
                new ExecutionListener() {});
    assertThat(result.report().failures()).isEmpty();
    Cell cell = conceptCells.get(0).cell();
    StoredCell stored = store.find("tiny", Stages.CONCEPT, cell.id()).orElseThrow();

    StudyData data = new StudyData(new CellSpecs(experiment).data());
    double[] train = expectedScores(data.train());
    double[] val = expectedScores(data.val());
    assertThat(Npy.readFloat64(stored.artifact(ConceptStage.TRAIN_SCORES)))
        .containsExactly(train, within(1e-4));
    assertThat(Npy.readFloat64(stored.artifact(ConceptStage.VAL_SCORES)))
        .containsExactly(val, within(1e-4));
    double[] sorted = train.clone();
    Arrays.sort(sorted);
    double threshold = sorted[sorted.length - 30]; // floor(0.25 × 120) = 30
    double stored0 = Npy.readFloat64(stored.artifact(ConceptStage.THRESHOLD))[0];
    assertThat(stored0).isCloseTo(threshold, within(1e-4));
    assertThat(metric(stored, "train.positives")).isEqualTo(at(train, stored0));
    assertThat(metric(stored, "val.positives")).isEqualTo(at(val, stored0));

    // The sets the probe cells get: the training threshold, unchanged, selects the test split.
    ConceptSet set =
        inputs
            .concepts()
            .get(
                new CellSpecs(experiment).concept(experiment.concepts().get("id")),
                List.of(stored));
    assertPositivesAreAtOrAbove(set.train(), data.train(), train, stored0);
    assertPositivesAreAtOrAbove(set.test(), data.val(), val, stored0);
    assertThat(set.sizes().trainPositives()).isEqualTo((int) at(train, stored0));
    assertThat(set.sizes().testPositives()).isEqualTo((int) at(val, stored0));
    assertThat(set.sizes().testNegatives()).isEqualTo(set.sizes().testPositives());
  }

  /** The score by hand: for channels 0 and 2, the L2 norm of the pixels, summed. */
  private static double[] expectedScores(ImageDataset data) {
    double[] out = new double[data.size()];
    for (int i = 0; i < data.size(); i++) {
      Example e = data.get(i);
      int hw = e.image().height() * e.image().width();
      float[] px = new float[e.image().channels() * hw];
      e.image().copyTo(px, 0);
      for (int c : new int[] {0, 2}) {
        double sum = 0;
        for (int p = 0; p < hw; p++) {
          sum += (double) px[c * hw + p] * px[c * hw + p];
        }
        out[i] += Math.sqrt(sum);
      }
    }
    return out;
  }

  private static double at(double[] scores, double threshold) {
    return Arrays.stream(scores).filter(s -> s >= threshold).count();
  }

  private static double metric(StoredCell cell, String name) {
    return cell.metrics().stream()
        .filter(m -> m.name().equals(name))
        .map(Metric::value)
        .findFirst()
        .orElseThrow();
  }

  private static void assertPositivesAreAtOrAbove(
      ConceptSplit split, ImageDataset source, double[] scores, double threshold) {
    Map<String, Integer> index = new java.util.HashMap<>();
    for (int i = 0; i < source.size(); i++) {
      index.put(source.id(i), i);
    }
    for (int i = 0; i < split.size(); i++) {
      double score = scores[index.get(split.get(i).id())];
      if (split.labels()[i] > 0.5f) {
        assertThat(score).isGreaterThanOrEqualTo(threshold);
      } else {
        assertThat(score).isLessThan(threshold);
      }
    }
  }
}
