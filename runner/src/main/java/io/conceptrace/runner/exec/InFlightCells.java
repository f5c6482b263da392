package io.conceptrace.runner.exec;

import io.conceptrace.store.CellStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The cells being written right now in this process; what a shutdown hook has to settle. */
final class InFlightCells {
  private final ConcurrentHashMap<String, InFlightCell> cells = new ConcurrentHashMap<>();

  void add(InFlightCell c) {
    cells.put(c.cell().id(), c);
  }

  void remove(InFlightCell c) {
    cells.remove(c.cell().id(), c);
  }

  boolean isEmpty() {
    return cells.isEmpty();
  }

  /** Records every still-unsettled cell as KILLED; returns how many this call settled. */
  int killAll(String reason, Duration waitPerCell) {
    int killed = 0;
    for (InFlightCell c : List.copyOf(cells.values())) {
      boolean wasOpen = c.settled().isEmpty();
      if (wasOpen
          && c.abandonWithin(waitPerCell, CellStatus.KILLED, reason).orElse(null)
              == CellStatus.KILLED) {
        killed++;
      }
    }
    return killed;
  }
}
