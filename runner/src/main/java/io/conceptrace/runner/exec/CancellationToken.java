package io.conceptrace.runner.exec;

import java.util.concurrent.atomic.AtomicReference;

/** A one-way switch that asks running cells to stop, with the reason recorded on their attempts. */
public final class CancellationToken {
  private final AtomicReference<String> reason = new AtomicReference<>();

  /** Asks everything to stop; the first reason wins. */
  public void cancel(String why) {
    reason.compareAndSet(null, why);
  }

  public boolean isCancelled() {
    return reason.get() != null;
  }

  /** The reason given to {@link #cancel}, or an empty string. */
  public String reason() {
    String r = reason.get();
    return r == null ? "" : r;
  }

  /** Throws {@link CellCancelledException} if cancelled. */
  public void check() {
    String r = reason.get();
    if (r != null) {
      throw new CellCancelledException(r);
    }
  }
}
