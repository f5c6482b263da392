package io.conceptrace.runner.exec;

import java.lang.management.ManagementFactory;

/**
 * How many cells run at once ({@code --jobs}) and how many PyTorch intra-op threads each gets.
 *
 * <p>DJL's PyTorch thread count is one process-wide setting ({@code at::set_num_threads}), not a
 * per-worker one, so the budget is applied once when the engine starts: with J workers on C cores
 * every worker's ops use max(1, C / J) threads, and J × threads ≤ C keeps the machine from being
 * oversubscribed (oversubscribed OpenMP pools spin and slow everything down).
 *
 * @param jobs cells computed at the same time
 * @param intraOpThreads PyTorch intra-op threads for the whole process
 */
public record WorkerBudget(int jobs, int intraOpThreads) {
  /** What one worker needs by default: a small network, its batches and its inputs. */
  public static final long DEFAULT_BYTES_PER_JOB = 1536L * 1024 * 1024;

  public WorkerBudget {
    if (jobs < 1 || intraOpThreads < 1) {
      throw new IllegalArgumentException("jobs and threads must be >= 1");
    }
  }

  /**
   * The budget for this machine.
   *
   * @param requestedJobs {@code --jobs}, or 0 to choose: one job per core, fewer if memory is short
   * @param requestedThreads {@code --threads}, or 0 to divide the cores between the jobs
   */
  public static WorkerBudget choose(int requestedJobs, int requestedThreads) {
    return choose(
        requestedJobs,
        requestedThreads,
        Runtime.getRuntime().availableProcessors(),
        physicalMemory(),
        DEFAULT_BYTES_PER_JOB);
  }

  static WorkerBudget choose(
      int requestedJobs, int requestedThreads, int cores, long memoryBytes, long bytesPerJob) {
    int jobs = requestedJobs;
    if (jobs <= 0) {
      long byMemory = memoryBytes > 0 ? Math.max(1, memoryBytes / bytesPerJob) : cores;
      jobs = (int) Math.max(1, Math.min(cores, byMemory));
    }
    int threads = requestedThreads > 0 ? requestedThreads : Math.max(1, cores / jobs);
    return new WorkerBudget(jobs, threads);
  }

  /** Total physical memory, or 0 if the platform does not say. */
  static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize();
    }
    return 0;
  }
}
