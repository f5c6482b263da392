package io.conceptrace.runner.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for a test (needs root, as in CI's container), to meet real "No space left
 * on device" and "Read-only file system" errors. Unmounted on close.
 */
public final class Tmpfs implements AutoCloseable {
  private final Path dir;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code size} (e.g. {@code 2m}) on a new directory; empty if not allowed. */
  public static java.util.Optional<Tmpfs> mount(Path dir, String size) throws IOException {
    Files.createDirectories(dir);
    if (!run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString())) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Tmpfs(dir));
  }

  public Path dir() {
    return dir;
  }

  /** Remounts read-only (or writable again), keeping the files. */
  public void readOnly(boolean readOnly) throws IOException {
    if (!run("mount", "-o", "remount," + (readOnly ? "ro" : "rw"), dir.toString())) {
      throw new IOException("cannot remount " + dir);
    }
  }

  /** Remounts with another size, keeping the files. */
  public void resize(String size) throws IOException {
    if (!run("mount", "-o", "remount,size=" + size, dir.toString())) {
      throw new IOException("cannot resize " + dir);
    }
  }

  @Override
  public void close() throws IOException {
    if (!run("umount", "-l", dir.toString())) {
      throw new IOException("cannot unmount " + dir);
    }
  }

  private static boolean run(String... command) {
    try {
      Process p =
          new ProcessBuilder(List.of(command))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false; // no mount command here
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
