package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Kills a real writer process with SIGKILL at several points and checks what a reader sees. */
@Tag("slow")
class AtomicCompletionKillTest {
  private static final int FILES = 40;

  @ParameterizedTest(name = "killed after line ''{0}''")
  @ValueSource(strings = {"OPENED", "FILE 0", "FILE 17", "FILE 39", "COMMITTING"})
  void aWriterKilledAnywhereLeavesNoCellThatReadsAsComplete(
      String killAfter, @org.junit.jupiter.api.io.TempDir Path root) throws Exception {
    Process p = startWriter(root);
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals(killAfter)) {
        // wait for the chosen moment
      }
      p.destroyForcibly(); // SIGKILL on Unix: no shutdown hooks, no finally blocks
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    RunStore store = new RunStore(root);
    Optional<StoredCell> cell = store.find("exp", "stage", "cell");
    if (cell.isPresent()) {
      // The kill landed after the rename: then everything must be there, whole.
      assertWhole(cell.get());
    } else {
      assertThat(store.cells("exp")).isEmpty();
      assertThat(store.removeAbandonedTemporaries("exp")).isEqualTo(1);
    }
    // Running again completes the work and leaves no debris.
    Process again = startWriter(root);
    assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(again.exitValue()).isZero();
    assertWhole(store.find("exp", "stage", "cell").orElseThrow());
    assertThat(store.removeAbandonedTemporaries("exp")).isZero();
  }

  private static void assertWhole(StoredCell cell) throws Exception {
    assertThat(cell.artifacts()).hasSize(FILES);
    for (int i = 0; i < FILES; i++) {
      byte[] data = Files.readAllBytes(cell.artifact("part-" + i + ".bin"));
      assertThat(data).hasSize(64 * 1024).containsOnly((byte) i);
    }
    assertThat(cell.metrics()).hasSize(FILES);
    assertThat(cell.record().settings()).containsEntry("files", FILES);
  }

  private static Process startWriter(Path root) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SlowCellWriterMain.class.getName(),
                root.toString(),
                Integer.toString(FILES)))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }
}
