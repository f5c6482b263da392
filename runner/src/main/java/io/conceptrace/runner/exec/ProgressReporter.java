package io.conceptrace.runner.exec;

/**
 * How a running cell says how far it is (e.g. epoch 3 of 8). Every call is also a cancellation
 * point: it throws {@link CellCancelledException} when the run is being stopped, so a stage that
 * reports progress per epoch or batch stops promptly on Ctrl-C without further code.
 */
@FunctionalInterface
public interface ProgressReporter {
  /**
   * @param phase what is being counted, e.g. {@code epoch}
   * @param done how many are done
   * @param total how many there are (0 if unknown)
   */
  void update(String phase, long done, long total);
}
