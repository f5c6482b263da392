package io.conceptrace.runner.exec.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.core.BadInputException;
import io.conceptrace.dsl.Experiment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SlurmPreflightTest {
  @TempDir Path dir;

  /** A cluster with the given partitions (name → nodes); the first is the default. */
  record FakeCluster(Map<String, Integer> nodes) implements SlurmClient {
    @Override
    public boolean available() {
      return true;
    }

    @Override
    public Optional<Partition> partition(String name) {
      String wanted = name.isEmpty() ? nodes.keySet().iterator().next() : name;
      return Optional.ofNullable(nodes.get(wanted)).map(n -> new Partition(wanted, n));
    }

    @Override
    public List<String> partitions() {
      return List.copyOf(nodes.keySet());
    }

    @Override
    public String submit(Path script) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, SlurmJob> jobs(Collection<String> ids) {
      return Map.of();
    }

    @Override
    public void cancel(Collection<String> ids) {
      throw new UnsupportedOperationException();
    }
  }

  private static Experiment.Slurm partition(String name) {
    return new Experiment.Slurm(
        Optional.of(name), Optional.empty(), Optional.empty(), 1, Optional.empty(), 0, List.of());
  }

  @Test
  void withoutSbatchOnThePathTheErrorSaysSo() {
    SlurmClient none = new SlurmCommands(dir.toString());
    assertThat(none.available()).isFalse();
    assertThatThrownBy(
            () ->
                SlurmPreflight.check(
                    none, Experiment.Slurm.DEFAULTS, dir, dir.resolve("x.conf"), ""))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("sbatch is not on the PATH");
  }

  @Test
  void anUnknownPartitionIsNamedWithTheOnesThatExist() {
    FakeCluster cluster = new FakeCluster(Map.of("debug", 1));
    assertThatThrownBy(
            () -> SlurmPreflight.check(cluster, partition("gpu"), dir, dir.resolve("x"), ""))
        .isInstanceOf(BadInputException.class)
        .hasMessage(
            "execution.slurm.partition: no partition 'gpu' on this cluster (sinfo lists: debug)");
  }

  @Test
  void aStoreUnderTmpIsRefusedOnlyWhereJobsRunOnOtherNodes() throws Exception {
    Path store = Files.createTempDirectory(Path.of("/tmp"), "ctrace-preflight");
    try {
      FakeCluster big = new FakeCluster(Map.of("batch", 8));
      assertThatThrownBy(
              () -> SlurmPreflight.check(big, partition("batch"), store, Path.of("/home/x"), ""))
          .isInstanceOf(BadInputException.class)
          .hasMessageContaining("the run store " + store)
          .hasMessageContaining("under /tmp")
          .hasMessageContaining("partition batch has 8 nodes");
      FakeCluster single = new FakeCluster(Map.of("debug", 1));
      assertThat(SlurmPreflight.check(single, partition("debug"), store, store, "").nodes())
          .isEqualTo(1);
    } finally {
      Files.deleteIfExists(store);
    }
  }

  @Test
  void theStoreMustBeAbsoluteAndWritable() throws Exception {
    FakeCluster single = new FakeCluster(Map.of("debug", 1));
    assertThatThrownBy(
            () ->
                SlurmPreflight.check(
                    single, partition("debug"), Path.of("runs"), dir.resolve("x"), ""))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("absolute");
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    assertThatThrownBy(
            () -> SlurmPreflight.check(single, partition("debug"), file, dir.resolve("x"), ""))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("is not a writable directory");
    Path fresh = dir.resolve("new/runs");
    SlurmPreflight.check(single, partition("debug"), fresh, dir.resolve("x"), "");
    assertThat(fresh).isDirectory().isEmptyDirectory();
  }
}
