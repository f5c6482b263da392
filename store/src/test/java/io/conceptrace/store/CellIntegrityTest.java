package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cells prove their integrity: every way of damaging a committed cell is found by check. */
class CellIntegrityTest {
  @TempDir Path root;
  private RunStore store;
  private Path cell;

  @BeforeEach
  void commitOneCell() throws Exception {
    store = new RunStore(root);
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      Files.write(w.file("scores.npy"), new byte[4096]);
      Files.writeString(w.file("sub/ranking.csv"), "id,score\na,1\nb,2\n");
      w.metric("loss", 1, 0.5);
      w.commit(w.recordBuilder().build());
    }
    cell = store.cellDirectory("exp", "attribute", "c1");
  }

  @Test
  void theRecordListsEveryFileWithItsSizeAndHash() throws Exception {
    CellRecord record = store.find("exp", "attribute", "c1").orElseThrow().record();
    assertThat(record.files()).containsOnlyKeys("scores.npy", "sub/ranking.csv", "metrics.jsonl");
    FileDigest ranking = record.files().get("sub/ranking.csv");
    assertThat(ranking.size()).isEqualTo(Files.size(cell.resolve("sub/ranking.csv")));
    assertThat(ranking.sha256())
        .isEqualTo(FileDigest.sha256(cell.resolve("sub/ranking.csv")))
        .hasSize(64);
    for (Verification v : Verification.values()) {
      assertThat(store.check("exp", "attribute", "c1", v).isIntact()).isTrue();
    }
    assertThat(store.check("exp", "attribute", "other", Verification.FULL).state())
        .isEqualTo(CellCheck.State.ABSENT);
  }

  @Test
  void aTruncatedFileIsDamagedAndTheReasonSaysWhichAndHowMuch() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(cell.resolve("scores.npy").toFile(), "rw")) {
      f.setLength(100);
    }
    CellCheck check = store.check("exp", "attribute", "c1", Verification.QUICK);
    assertThat(check.isDamaged()).isTrue();
    assertThat(check.problem()).isEqualTo("scores.npy has 100 bytes, cell.json records 4096");
  }

  @Test
  void aDeletedFileIsDamaged() throws Exception {
    Files.delete(cell.resolve("sub/ranking.csv"));
    assertThat(store.check("exp", "attribute", "c1", Verification.QUICK).problem())
        .isEqualTo("sub/ranking.csv is missing");
  }

  @Test
  void garbageOrMissingOrOldRecordsAreDamagedAndAreNoCell() throws Exception {
    Files.writeString(cell.resolve("cell.json"), "{not json");
    CellCheck garbage = store.check("exp", "attribute", "c1", Verification.QUICK);
    assertThat(garbage.problem()).startsWith("cell.json is not a cell record: ");
    assertThat(store.find("exp", "attribute", "c1")).isEmpty();
    assertThat(store.cells("exp")).isEmpty();

    Files.writeString(cell.resolve("cell.json"), "{\"cellId\": \"c1\"}");
    assertThat(store.check("exp", "attribute", "c1", Verification.QUICK).problem())
        .isEqualTo("cell.json lists no file sizes or hashes (written by an older ctrace)");

    Files.delete(cell.resolve("cell.json"));
    assertThat(store.check("exp", "attribute", "c1", Verification.QUICK).problem())
        .isEqualTo("cell.json is missing");
    assertThat(store.isComplete("exp", "attribute", "c1")).isFalse();
  }

  @Test
  void sameSizeGarbageIsFoundByItsHashQuicklyWhenItsTimeChangedAndAlwaysByFull() throws Exception {
    Path scores = cell.resolve("scores.npy");
    FileTime committed = Files.getLastModifiedTime(scores);
    byte[] garbage = new byte[4096];
    garbage[7] = 1;
    Files.write(scores, garbage);
    Files.setLastModifiedTime(scores, FileTime.fromMillis(committed.toMillis() + 5000));
    assertThat(store.check("exp", "attribute", "c1", Verification.QUICK).problem())
        .startsWith("scores.npy has SHA-256 ")
        .contains(", cell.json records ");

    // A change that keeps size and time too passes the quick check; only hashing finds it.
    Files.setLastModifiedTime(scores, committed);
    assertThat(store.check("exp", "attribute", "c1", Verification.QUICK).isIntact()).isTrue();
    assertThat(store.check("exp", "attribute", "c1", Verification.FULL).problem())
        .startsWith("scores.npy has SHA-256 ");
  }

  @Test
  void quarantineMovesTheWholeCellUnderAttemptsAndKeepsItsFiles() throws Exception {
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      w.abandon(w.recordBuilder().status(CellStatus.FAILED, "an earlier failure").build());
    }
    Files.delete(cell.resolve("scores.npy"));
    Path moved = store.quarantine("exp", "attribute", "c1", "scores.npy is missing").orElseThrow();

    assertThat(cell).doesNotExist();
    assertThat(moved.getParent()).isEqualTo(root.resolve("exp/.attempts/attribute/c1"));
    assertThat(moved.getFileName().toString()).endsWith("-DAMAGED");
    assertThat(moved.resolve("sub/ranking.csv")).hasContent("id,score\na,1\nb,2");
    assertThat(moved.resolveSibling(moved.getFileName() + ".txt"))
        .hasContent("scores.npy is missing");
    // The quarantined cell.json is not mistaken for an attempt record.
    assertThat(store.attempts("exp"))
        .singleElement()
        .extracting(CellRecord::message)
        .isEqualTo("an earlier failure");
    assertThat(store.quarantine("exp", "attribute", "c1", "again")).isEmpty();
  }

  @Test
  void aStaleDirectoryInTheWayNeverBlocksACommit() throws Exception {
    Files.delete(cell.resolve("cell.json"));
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      Files.writeString(w.file("scores.npy"), "fresh");
      w.commit(w.recordBuilder().build());
    }
    assertThat(store.check("exp", "attribute", "c1", Verification.FULL).isIntact()).isTrue();
    assertThat(cell.resolve("scores.npy")).hasContent("fresh");
    try (Stream<Path> kept = Files.list(root.resolve("exp/.attempts/attribute/c1"))) {
      assertThat(kept.map(p -> p.getFileName().toString()))
          .anyMatch(n -> n.endsWith("-DAMAGED"))
          .anyMatch(n -> n.endsWith("-DAMAGED.txt"));
    }
  }

  @Test
  void replaceSwapsInTheNewCellAndLeavesTheOldUntilThen() throws Exception {
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      Files.writeString(w.file("scores.npy"), "new");
      // Until the replacement commits, the old cell is there, whole.
      assertThat(store.check("exp", "attribute", "c1", Verification.FULL).isIntact()).isTrue();
      assertThat(Files.size(cell.resolve("scores.npy"))).isEqualTo(4096);
      w.replace(w.recordBuilder().build());
    }
    assertThat(cell.resolve("scores.npy")).hasContent("new");
    assertThat(store.find("exp", "attribute", "c1").orElseThrow().artifacts())
        .containsExactly("scores.npy");
    assertThat(root.resolve("exp/.superseded")).isEmptyDirectory();
  }

  @Test
  void aPlainCommitKeepsTheIntactCellAlreadyThere() throws Exception {
    try (CellWriter w = store.open("exp", "attribute", "c1")) {
      Files.writeString(w.file("scores.npy"), "second");
      w.commit(w.recordBuilder().build());
    }
    assertThat(Files.size(cell.resolve("scores.npy"))).isEqualTo(4096);
    assertThat(Files.readAllLines(cell.resolve("sub/ranking.csv"), StandardCharsets.UTF_8))
        .isEqualTo(List.of("id,score", "a,1", "b,2"));
  }
}
