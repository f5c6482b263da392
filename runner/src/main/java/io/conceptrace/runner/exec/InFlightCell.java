package io.conceptrace.runner.exec;

import io.conceptrace.store.CellRecord;
import io.conceptrace.store.CellStatus;
import io.conceptrace.store.CellWriter;
import io.conceptrace.store.StoredCell;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A cell being written, and the one decision about it that must happen exactly once: commit it, or
 * record the attempt as FAILED/KILLED. The worker and, on Ctrl-C, the shutdown hook may both try; a
 * lock makes the first one win and the other see that it lost, so an attempt that is being
 * abandoned can never be half-committed (or the other way round).
 */
final class InFlightCell {
  private final PlannedCell cell;
  private final CellWriter writer;
  private final boolean replacing;
  private final Supplier<CellRecord.Builder> records;
  private final ReentrantLock lock = new ReentrantLock();
  private CellStatus settledAs;
  private CellRecord attempt;

  /**
   * @param replacing whether the commit replaces an intact cell already in the store ({@code
   *     --force}) rather than keeping it
   */
  InFlightCell(
      PlannedCell cell,
      CellWriter writer,
      boolean replacing,
      Supplier<CellRecord.Builder> records) {
    this.cell = cell;
    this.writer = writer;
    this.replacing = replacing;
    this.records = records;
  }

  PlannedCell cell() {
    return cell;
  }

  /** Commits unless the attempt was already settled; empty if another party settled it first. */
  Optional<StoredCell> commit(CellRecord record) {
    lock.lock();
    try {
      if (settledAs != null) {
        return Optional.empty();
      }
      StoredCell stored = replacing ? writer.replace(record) : writer.commit(record);
      settledAs = CellStatus.FINISHED;
      return Optional.of(stored);
    } finally {
      lock.unlock();
    }
  }

  /** Records a FAILED or KILLED attempt unless already settled; returns how the cell is settled. */
  CellStatus abandon(CellStatus status, String reason) {
    lock.lock();
    try {
      return abandonLocked(status, reason);
    } finally {
      lock.unlock();
    }
  }

  /**
   * From the shutdown hook: as {@link #abandon} but gives up after {@code wait} (a worker stuck
   * inside a commit is left to finish it). Returns the status it is settled as, if known.
   */
  Optional<CellStatus> abandonWithin(Duration wait, CellStatus status, String reason) {
    try {
      if (!lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS)) {
        return Optional.empty();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    try {
      return Optional.of(abandonLocked(status, reason));
    } finally {
      lock.unlock();
    }
  }

  /** How the attempt was settled, if it was. */
  Optional<CellStatus> settled() {
    lock.lock();
    try {
      return Optional.ofNullable(settledAs);
    } finally {
      lock.unlock();
    }
  }

  /** The FAILED/KILLED record written when the attempt was abandoned, if it was. */
  Optional<CellRecord> attempt() {
    lock.lock();
    try {
      return Optional.ofNullable(attempt);
    } finally {
      lock.unlock();
    }
  }

  private CellStatus abandonLocked(CellStatus status, String reason) {
    if (settledAs == null) {
      settledAs = status;
      attempt = records.get().status(status, reason).finishedAt(Instant.now()).build();
      writer.abandon(attempt);
    }
    return settledAs;
  }
}
