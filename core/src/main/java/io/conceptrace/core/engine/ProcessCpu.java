package io.conceptrace.core.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The process's CPU time: every thread's, the native intra-op and loader threads included. On a
 * loaded machine wall time also measures the other processes; CPU time measures only the work, so
 * rates per CPU-second stay comparable across runs and machines of one kind.
 */
public final class ProcessCpu {
  private ProcessCpu() {}

  /** CPU nanoseconds used by this process so far; wall time where the JVM has no CPU clock. */
  public static long nanos() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean bean) {
      long cpu = bean.getProcessCpuTime();
      if (cpu >= 0) {
        return cpu;
      }
    }
    return System.nanoTime(); // no CPU clock: wall time is the best upper bound we have
  }
}
