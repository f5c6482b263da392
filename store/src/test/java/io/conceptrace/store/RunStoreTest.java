package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStoreTest {
  @TempDir Path root;

  @Test
  void committedCellReadsBackWithRecordMetricsAndArtifacts() throws Exception {
    RunStore store = new RunStore(root);
    try (CellWriter w = store.open("exp", "probe", "abc123")) {
      Files.writeString(w.file("weights/probe.txt"), "w");
      w.metric("train.loss", 1, 0.5);
      w.metric("train.loss", 2, 0.25);
      assertThat(store.isComplete("exp", "probe", "abc123")).isFalse();
      w.commit(
          w.recordBuilder()
              .coordinates(Map.of("layer", "layer3"))
              .settings(Map.of("epochs", 20, "lr", 0.001))
              .inputs(List.of("base1"))
              .seed(7)
              .timing("total", 1.5)
              .build());
    }
    StoredCell cell = store.find("exp", "probe", "abc123").orElseThrow();
    assertThat(cell.record().coordinates()).containsEntry("layer", "layer3");
    assertThat(cell.record().settings()).containsEntry("epochs", 20);
    assertThat(cell.record().inputs()).containsExactly("base1");
    assertThat(cell.record().seed()).isEqualTo(7);
    assertThat(cell.metrics()).extracting(Metric::step).containsExactly(1L, 2L);
    assertThat(cell.metrics()).extracting(Metric::value).containsExactly(0.5, 0.25);
    assertThat(cell.artifacts()).containsExactly("weights/probe.txt");
    assertThat(store.cells("exp")).hasSize(1);
    assertThat(store.experiments()).containsExactly("exp");
    assertThat(Files.list(root.resolve("exp/.tmp")).count()).isZero();
  }

  @Test
  void closingWithoutCommitLeavesNothing() throws Exception {
    RunStore store = new RunStore(root);
    try (CellWriter w = store.open("exp", "train-base", "c1")) {
      Files.writeString(w.file("a.bin"), "partial");
    }
    assertThat(store.find("exp", "train-base", "c1")).isEmpty();
    assertThat(store.cells("exp")).isEmpty();
    assertThat(Files.list(root.resolve("exp/.tmp")).count()).isZero();
  }

  @Test
  void abandonedAttemptIsRecordedButIsNoResult() {
    RunStore store = new RunStore(root);
    try (CellWriter w = store.open("exp", "probe", "c2")) {
      w.abandon(w.recordBuilder().status(CellStatus.FAILED, "loss became NaN at epoch 3").build());
    }
    assertThat(store.find("exp", "probe", "c2")).isEmpty();
    assertThat(store.attempts("exp"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.status()).isEqualTo(CellStatus.FAILED);
              assertThat(r.message()).isEqualTo("loss became NaN at epoch 3");
            });
  }

  @Test
  void secondCommitOfTheSameCellKeepsTheFirst() throws Exception {
    RunStore store = new RunStore(root);
    try (CellWriter a = store.open("exp", "s", "same");
        CellWriter b = store.open("exp", "s", "same")) {
      Files.writeString(a.file("x"), "first");
      Files.writeString(b.file("x"), "second");
      a.commit(a.recordBuilder().build());
      StoredCell cell = b.commit(b.recordBuilder().build());
      assertThat(Files.readString(cell.artifact("x"))).isEqualTo("first");
    }
  }

  @Test
  void rejectsNamesThatWouldEscapeTheStore() {
    RunStore store = new RunStore(root);
    assertThatThrownBy(() -> store.open("exp", "../x", "c"))
        .hasMessageContaining("stage '../x' must be");
    try (CellWriter w = store.open("exp", "s", "c")) {
      assertThatThrownBy(() -> w.file("../../evil")).hasMessageContaining("escapes the cell");
      assertThatThrownBy(() -> w.file("cell.json")).hasMessageContaining("written by the store");
    }
  }

  @Test
  void leftoversOfDeadWritersAreRemovedButLiveOnesStay() throws Exception {
    RunStore store = new RunStore(root);
    Path tmp = root.resolve("exp/.tmp");
    Files.createDirectories(tmp.resolve("s~c~" + hostName() + "~999999999~dead0000"));
    try (CellWriter live = store.open("exp", "s", "live")) {
      assertThat(store.removeAbandonedTemporaries("exp")).isEqualTo(1);
      assertThat(Files.isDirectory(live.directory())).isTrue();
    }
  }

  private static String hostName() throws Exception {
    return java.net.InetAddress.getLocalHost().getHostName();
  }
}
