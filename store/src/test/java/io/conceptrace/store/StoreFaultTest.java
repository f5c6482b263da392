package io.conceptrace.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreFaultTest {
  @Test
  void findsTheOperatingSystemsReasonUnderWrappers() {
    IOException enospc = new IOException("No space left on device");
    StoreFault full =
        StoreFault.of(new UncheckedIOException("cannot record attempt of 7d40", enospc))
            .orElseThrow();
    assertThat(full.reason()).isEqualTo("No space left on device");
    assertThat(full.path()).isNull();
    assertThat(full.orAt(Path.of("/s/exp/.tmp/x")).line())
        .isEqualTo("No space left on device: /s/exp/.tmp/x");
    assertThat(full.advice()).contains("free space").contains("run the same command again");
  }

  @Test
  void readOnlyAndPermissionFaultsNameTheirPathAndDoNotAdviseRunningAgain() {
    StoreFault ro =
        StoreFault.of(
                new RuntimeException(
                    new FileSystemException("/s/exp/.tmp", null, "Read-only file system")))
            .orElseThrow();
    assertThat(ro.line()).isEqualTo("Read-only file system: /s/exp/.tmp");
    assertThat(ro.advice()).contains("--store").doesNotContain("again");

    StoreFault denied = StoreFault.of(new AccessDeniedException("/s/exp")).orElseThrow();
    assertThat(denied.line()).isEqualTo("Permission denied: /s/exp");
    assertThat(denied.advice()).contains("permissions").doesNotContain("again");
  }

  @Test
  void otherErrorsAreNoStoreFault() {
    assertThat(StoreFault.of(new IOException("ranking.csv:2: expected 4 fields, got 2"))).isEmpty();
    assertThat(StoreFault.of(new IllegalStateException("loss is NaN"))).isEmpty();
  }
}
