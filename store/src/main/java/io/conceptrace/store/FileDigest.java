package io.conceptrace.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What {@code cell.json} records about one file of a cell, so that a later reader can tell the file
 * it finds from the one that was committed.
 *
 * @param size length in bytes
 * @param sha256 SHA-256 of the content, lower-case hex
 * @param modified the file's modification time at commit; a file whose size and time still match is
 *     trusted without hashing it again (see {@link Verification#QUICK})
 */
public record FileDigest(long size, String sha256, Instant modified) {
  private static final int BUFFER = 1 << 20;

  public FileDigest {
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(modified, "modified");
  }

  /** Reads the file once: its size, content hash and modification time. */
  static FileDigest of(Path file) throws IOException {
    Instant modified = Files.getLastModifiedTime(file).toInstant();
    long size = Files.size(file);
    return new FileDigest(size, sha256(file), modified);
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = Files.newInputStream(file)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
