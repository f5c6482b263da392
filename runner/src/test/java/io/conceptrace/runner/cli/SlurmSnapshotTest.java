package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.matrix.Cell;
import io.conceptrace.dsl.matrix.MatrixExpander;
import io.conceptrace.dsl.matrix.RunMatrix;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.runner.exec.slurm.SlurmClient;
import io.conceptrace.runner.exec.slurm.SlurmJob;
import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 6: Slurm jobs compute what was planned at submission. The study is submitted to a
 * recording stand-in for sbatch, the experiment file is then edited, and the queued job's own
 * command (from its script) still computes the planned cell: it reads the resolved study written
 * into the run store, not the file. The real cluster runs the same scripts in SlurmClusterTest.
 */
@Tag("slow")
class SlurmSnapshotTest {
  @TempDir Path dir;

  /** One node (so the temporary store passes the shared-file-system check); records scripts. */
  static final class RecordingSbatch implements SlurmClient {
    final List<Path> scripts = new ArrayList<>();

    @Override
    public boolean available() {
      return true;
    }

    @Override
    public Optional<Partition> partition(String name) {
      return Optional.of(new Partition(name.isEmpty() ? "debug" : name, 1));
    }

    @Override
    public List<String> partitions() {
      return List.of("debug*");
    }

    @Override
    public String submit(Path script) {
      scripts.add(script);
      return Integer.toString(1000 + scripts.size());
    }

    @Override
    public Map<String, SlurmJob> jobs(Collection<String> ids) {
      return Map.of();
    }

    @Override
    public void cancel(Collection<String> ids) {}
  }

  @Test
  void editingTheFileAfterSubmissionDoesNotChangeWhatTheJobsCompute() throws Exception {
    Path study = dir.resolve("study.conf");
    Files.writeString(
        study,
        "include file(\""
            + Path.of("src/test/resources/experiments/slurm-tiny.conf").toAbsolutePath()
            + "\")\n");
    Path store = dir.resolve("runs");
    ExperimentOptions options = new ExperimentOptions();
    options.noScripts = true;
    options.overrides = new ArrayList<>(List.of("training.epochs = 1"));
    Experiment planned = options.loader(Optional.empty(), false).load(study);
    RunMatrix matrix = new MatrixExpander(Optional.empty()).expand(planned);
    Cell base = matrix.byStage().get(Stages.TRAIN_BASE).get(0);

    RecordingSbatch sbatch = new RecordingSbatch();
    StringWriter err = new StringWriter();
    int code =
        SlurmRun.submit(
            planned,
            matrix,
            study,
            options,
            store,
            List.of(),
            null,
            false,
            false,
            sbatch,
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(code).as(err.toString()).isEqualTo(ExitCode.OK);
    // One job per cell and the finishing job.
    assertThat(sbatch.scripts).hasSize(matrix.cells().size() + 1);

    // The user edits the file while the jobs wait in the queue.
    Files.writeString(
        study,
        "training.epochs = 3\nexperiment.seed = 99\n",
        java.nio.file.StandardOpenOption.APPEND);
    Experiment edited = options.loader(Optional.empty(), false).load(study);
    assertThat(new MatrixExpander(Optional.empty()).expand(edited).get(base.id())).isEmpty();

    // The base model's job, run as its script says.
    Path script =
        sbatch.scripts.stream()
            .filter(p -> p.getFileName().toString().equals("train-base-" + base.id() + ".sbatch"))
            .findFirst()
            .orElseThrow();
    String text = Files.readString(script);
    Matcher experiment = Pattern.compile("--experiment '?([^' ]+)'?").matcher(text);
    assertThat(experiment.find()).as(text).isTrue();
    Path snapshot = Path.of(experiment.group(1));
    assertThat(snapshot).isNotEqualTo(study.toAbsolutePath()).exists();
    assertThat(text).doesNotContain("--set");

    CliHarness job =
        CliHarness.run(
            "exec-cell",
            "--store",
            store.toString(),
            "--experiment",
            snapshot.toString(),
            "--no-scripts",
            "--threads",
            "1",
            "--device",
            "cpu",
            base.id());
    assertThat(job.exitCode()).as(job.err()).isEqualTo(ExitCode.OK);
    var computed = new RunStore(store).find(matrix.experiment(), Stages.TRAIN_BASE, base.id());
    assertThat(computed).isPresent();
    assertThat(computed.get().record().seed()).isEqualTo(base.seed());
    assertThat(computed.get().record().coordinates()).isEqualTo(base.coordinates());
    assertThat(computed.get().metrics().stream().filter(m -> m.name().equals("train.loss")))
        .hasSize(1); // one epoch, as planned, not the three written since

    // Re-expanding the edited file, as jobs did before, no longer knows the planned cell.
    CliHarness old =
        CliHarness.run(
            "exec-cell",
            "--store",
            store.toString(),
            "--experiment",
            study.toString(),
            "--set",
            "training.epochs = 1",
            "--no-scripts",
            base.id());
    assertThat(old.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(old.err()).contains("is not in the run matrix");
  }
}
