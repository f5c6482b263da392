package io.conceptrace.core.engine;

/**
 * How to start the compute engine.
 *
 * @param device the requested device
 * @param intraOpThreads PyTorch intra-op threads; 0 means one per available core
 */
public record EngineOptions(DeviceSpec device, int intraOpThreads) {

  public EngineOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("threads must be >= 0, got " + intraOpThreads);
    }
  }

  /** All cores, device chosen automatically. */
  public static EngineOptions defaults() {
    return new EngineOptions(DeviceSpec.AUTO, 0);
  }

  /** The thread count actually used: {@code intraOpThreads}, or the number of cores if 0. */
  public int resolvedThreads() {
    return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
  }
}
