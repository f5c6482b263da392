package io.conceptrace.runner.stages;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.cell.PruneSetCellSpec;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.CellFailedException;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.store.StoredCell;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * {@code prune-set}: which k training images one arm removes. {@code top}: the k highest Eq. (1)
 * scores (the paper's experiment); {@code bottom}: the k lowest; {@code random}: k drawn with the
 * cell's seed from all training images, independent of the scores (the control the paper lacks).
 * Writes {@code excluded-ids.txt} and the mean score of the excluded images (a sanity check: top >
 * random > bottom).
 */
public final class PruneSetStage implements StageRunner {

  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    StoredCell attribute = ctx.input(io.conceptrace.dsl.matrix.Stages.ATTRIBUTE);
    List<RankingFile.Entry> ranking = RankingFile.read(attribute.artifact(StageFiles.RANKING));
    PruneSetCellSpec spec = ctx.spec(PruneSetCellSpec.class);
    List<RankingFile.Entry> excluded = choose(ranking, spec.k(), spec.arm(), ctx.rng());
    Files.write(
        ctx.file(StageFiles.EXCLUDED_IDS), excluded.stream().map(RankingFile.Entry::id).toList());
    ctx.metric("excluded", 0, excluded.size());
    ctx.metric(
        "excluded.score.mean",
        0,
        excluded.stream().mapToDouble(RankingFile.Entry::score).average().orElse(Double.NaN));
    return ctx.commit();
  }

  static List<RankingFile.Entry> choose(
      List<RankingFile.Entry> ranking, int k, Experiment.Arm arm, Random rng) {
    if (k < 1 || k > ranking.size()) {
      throw new CellFailedException(
          "prune size k="
              + k
              + " must be between 1 and the "
              + ranking.size()
              + " ranked training images");
    }
    return switch (arm) {
      case TOP -> List.copyOf(ranking.subList(0, k));
      case BOTTOM -> List.copyOf(ranking.subList(ranking.size() - k, ranking.size()));
      case RANDOM -> {
        // Drawn from the ids in a fixed order unrelated to the scores, so the control does not
        // depend on the attribution at all.
        List<RankingFile.Entry> pool = new ArrayList<>(ranking);
        pool.sort(Comparator.comparing(RankingFile.Entry::id));
        for (int i = 0; i < k; i++) {
          int j = i + rng.nextInt(pool.size() - i);
          RankingFile.Entry t = pool.get(i);
          pool.set(i, pool.get(j));
          pool.set(j, t);
        }
        yield List.copyOf(pool.subList(0, k));
      }
    };
  }
}
