package io.conceptrace.runner.exec;

import io.conceptrace.store.StoreFault;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The first file-system fault of the run store seen during one run (disk full, read-only, no
 * permission). Every later cell would fail the same way, so the executor stops launching cells once
 * there is one, and the run says it once instead of once per cell. Thread-safe.
 */
final class StoreFaults {
  private final AtomicReference<StoreFault> first = new AtomicReference<>();

  /** Records the fault behind {@code error}, if it is one; returns it. */
  Optional<StoreFault> record(Throwable error, Path where) {
    Optional<StoreFault> fault = StoreFault.of(error).map(f -> f.orAt(where));
    fault.ifPresent(f -> first.compareAndSet(null, f));
    return fault;
  }

  Optional<StoreFault> first() {
    return Optional.ofNullable(first.get());
  }
}
