package io.conceptrace.store;

import java.time.Instant;
import java.util.Objects;

/**
 * Who holds a claim on a cell: the content of a claim file.
 *
 * @param host the owner's host name
 * @param pid its process id
 * @param processStart when that process started (tells a live owner from a reused pid)
 * @param nonce unique per claim, so that an owner knows its claim from a successor's
 * @param claimedAt when the claim was made
 */
public record ClaimOwner(
    String host, long pid, Instant processStart, String nonce, Instant claimedAt) {
  public ClaimOwner {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(nonce, "nonce");
    Objects.requireNonNull(claimedAt, "claimedAt");
  }

  /** {@code host:pid}, for messages. */
  public String describe() {
    return host + ":" + pid;
  }
}
