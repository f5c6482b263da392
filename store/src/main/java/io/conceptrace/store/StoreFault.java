package io.conceptrace.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A failure of the file system under the run store rather than of the work: the disk is full, the
 * store is read-only, or this user may not write there. Every cell would fail the same way, so a
 * run stops at the first one and says so once, with the operating system's own words and the advice
 * that fits ({@link #advice()}).
 *
 * @param reason the operating system's reason, e.g. {@code No space left on device}
 * @param path the file or directory it concerns; {@code null} when the error did not say
 */
public record StoreFault(String reason, Path path) {
  private static final List<String> NO_SPACE =
      List.of("no space left on device", "disk quota exceeded");
  private static final String READ_ONLY = "read-only file system";
  private static final List<String> NO_PERMISSION =
      List.of("permission denied", "operation not permitted");

  /**
   * The fault behind an exception: the first {@link IOException} in its cause chain whose reason is
   * one of the file-system conditions this class knows (full, read-only, no permission).
   */
  public static Optional<StoreFault> of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AccessDeniedException denied) {
        return Optional.of(new StoreFault("Permission denied", pathOf(denied)));
      }
      if (t instanceof FileSystemException fs && fs.getReason() != null) {
        Optional<String> known = known(fs.getReason());
        if (known.isPresent()) {
          return Optional.of(new StoreFault(known.get(), pathOf(fs)));
        }
      }
      if (t instanceof IOException && t.getMessage() != null) {
        Optional<String> known = known(t.getMessage());
        if (known.isPresent()) {
          return Optional.of(new StoreFault(known.get(), null));
        }
      }
    }
    return Optional.empty();
  }

  /** The same fault, naming {@code where} when the error itself named no path. */
  public StoreFault orAt(Path where) {
    return path != null ? this : new StoreFault(reason, where);
  }

  /** {@code REASON: PATH}, the operating system's words first. */
  public String line() {
    return path == null ? reason : reason + ": " + path;
  }

  /** What to do about it; never "run again" when running again cannot help. */
  public String advice() {
    String r = reason.toLowerCase(Locale.ROOT);
    if (NO_SPACE.contains(r)) {
      return "free space on that file system (or choose another store with --store DIR), then run"
          + " the same command again: finished cells are kept";
    }
    if (r.equals(READ_ONLY)) {
      return "the run store is on a read-only file system; choose a writable one with --store DIR";
    }
    return "this user may not write there; fix the permissions or choose another store with"
        + " --store DIR";
  }

  private static Optional<String> known(String message) {
    String m = message.toLowerCase(Locale.ROOT);
    for (String s : NO_SPACE) {
      if (m.contains(s)) {
        return Optional.of(capitalized(s));
      }
    }
    if (m.contains(READ_ONLY)) {
      return Optional.of("Read-only file system");
    }
    for (String s : NO_PERMISSION) {
      if (m.contains(s)) {
        return Optional.of(capitalized(s));
      }
    }
    return Optional.empty();
  }

  private static String capitalized(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static Path pathOf(FileSystemException e) {
    return e.getFile() == null ? null : Path.of(e.getFile());
  }
}
