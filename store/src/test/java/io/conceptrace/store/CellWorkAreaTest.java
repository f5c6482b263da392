package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cell's work area outlives failed, killed and abandoned attempts (a later attempt resumes from
 * it) and is gone once the cell is complete.
 */
class CellWorkAreaTest {
  @TempDir Path root;

  @Test
  void theWorkAreaSurvivesUnfinishedAttemptsAndGoesWithTheCommit() throws Exception {
    RunStore store = new RunStore(root);
    Path area = store.workArea("exp", "attribute", "c1");
    assertThat(area).isEqualTo(root.resolve("exp/.work/attribute/c1"));

    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      assertThat(w.workArea()).isEqualTo(area).isDirectory();
      Files.writeString(area.resolve("model-0000.ckpt"), "first");
      w.abandon(w.recordBuilder().status(CellStatus.KILLED, "interrupted").build());
    }
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      // closed without commit or abandon: what a crash between the two leaves
      assertThat(w.directory()).isNotEqualTo(area);
    }
    assertThat(store.removeAbandonedTemporaries("exp")).isZero();
    assertThat(area.resolve("model-0000.ckpt")).hasContent("first");
    assertThat(store.find("exp", "attribute", "c1")).isEmpty();
    assertThat(store.cells("exp")).as("the work area is no cell").isEmpty();

    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      assertThat(w.workArea().resolve("model-0000.ckpt")).hasContent("first");
      Files.writeString(w.file("ranking.csv"), "id\n");
      w.commit(w.recordBuilder().build());
    }
    assertThat(store.find("exp", "attribute", "c1")).isPresent();
    assertThat(area).doesNotExist();
    assertThat(store.check("exp", "attribute", "c1", Verification.FULL).isIntact()).isTrue();
  }

  @Test
  void aCommitThatFindsTheCellDoneByAnotherWriterAlsoRemovesTheWorkArea() throws Exception {
    RunStore store = new RunStore(root);
    try (CellWriter first = store.open("exp", "attribute", "c2");
        CellWriter second = store.open("exp", "attribute", "c2")) {
      Files.writeString(second.workArea().resolve("model-0000.ckpt"), "x");
      Files.writeString(first.file("a.txt"), "a");
      first.commit(first.recordBuilder().build());
      Files.writeString(second.workArea().resolve("model-0001.ckpt"), "y");
      Files.writeString(second.file("a.txt"), "a");
      second.commit(second.recordBuilder().build());
    }
    assertThat(store.workArea("exp", "attribute", "c2")).doesNotExist();
    assertThat(store.find("exp", "attribute", "c2")).isPresent();
  }

  @Test
  void workAreasOfOtherCellsAreLeftAlone() throws Exception {
    RunStore store = new RunStore(root);
    Path other = store.workArea("exp", "attribute", "other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("model-0000.ckpt"), "keep");
    try (CellWriter w = store.open("exp", "attribute", "mine")) {
      w.workArea();
      w.commit(w.recordBuilder().build());
    }
    assertThat(other.resolve("model-0000.ckpt")).hasContent("keep");
  }
}
