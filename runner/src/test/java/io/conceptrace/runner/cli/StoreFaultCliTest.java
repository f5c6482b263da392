package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.conceptrace.runner.exec.Tmpfs;
import io.conceptrace.store.CellCheck;
import io.conceptrace.store.RunStore;
import io.conceptrace.store.StoredCell;
import io.conceptrace.store.Verification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctrace run} on a read-only store and on a full disk (real tmpfs mounts): one error line
 * with the operating system's reason and the path, advice that fits, exit code 1.
 */
@Tag("slow")
class StoreFaultCliTest {
  private static final String TINY = "src/test/resources/experiments/tiny.conf";

  @Test
  void aReadOnlyStoreIsRefusedBeforeAnyCellWithOneLine(@TempDir Path dir) throws Exception {
    Optional<Tmpfs> mounted = Tmpfs.mount(dir.resolve("ro"), "1m");
    assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root");
    try (Tmpfs disk = mounted.get()) {
      disk.readOnly(true);
      CliHarness r = CliHarness.run("run", TINY, "--store", disk.dir().toString());
      assertThat(r.exitCode()).isEqualTo(ExitCode.RUN_FAILED);
      assertThat(problemLines(r.err()))
          .singleElement()
          .satisfies(
              l ->
                  assertThat(l)
                      .startsWith("ctrace: error: Read-only file system: " + disk.dir())
                      .contains("choose a writable one with --store DIR")
                      .doesNotContain("again"));
      assertThat(r.err()).doesNotContain("stack trace");
    }
  }

  @Test
  void aFullDiskSaysSoOnceAndAdvisesFreeingSpace(@TempDir Path dir) throws Exception {
    Optional<Tmpfs> mounted = Tmpfs.mount(dir.resolve("full"), "64k");
    assumeTrue(mounted.isPresent(), "mounting a tmpfs needs root");
    try (Tmpfs disk = mounted.get()) {
      CliHarness r = CliHarness.run("run", TINY, "--store", disk.dir().toString(), "-j", "1");
      assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCode.RUN_FAILED);
      List<String> errors = r.err().lines().filter(l -> l.startsWith("ctrace: error:")).toList();
      assertThat(errors)
          .singleElement()
          .satisfies(
              l ->
                  assertThat(l)
                      .startsWith("ctrace: error: No space left on device: " + disk.dir())
                      .contains("free space")
                      .contains("finished cells are kept"));
      assertThat(r.err())
          .doesNotContain("cannot record attempt")
          .doesNotContain("have no output; run the same command again");
      // Whatever cell the store holds is whole; nothing partial was published.
      RunStore store = new RunStore(disk.dir());
      for (StoredCell c : store.cells("tiny")) {
        assertThat(store.check("tiny", c.record().stage(), c.record().cellId(), Verification.FULL))
            .extracting(CellCheck::isIntact)
            .isEqualTo(true);
      }
      try (Stream<Path> dirs = Files.list(disk.dir().resolve("tiny"))) {
        assertThat(dirs.map(p -> p.getFileName().toString()))
            .allMatch(n -> n.startsWith(".") || n.equals("train-base"));
      }
    }
  }

  /** Lines that report a problem (not the start line or the progress log). */
  private static List<String> problemLines(String err) {
    return err.lines()
        .filter(l -> l.contains("error") || l.contains("warning") || l.contains("failed"))
        .toList();
  }
}
