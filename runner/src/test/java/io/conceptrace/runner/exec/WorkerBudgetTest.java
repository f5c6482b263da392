package io.conceptrace.runner.exec;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkerBudgetTest {
  private static final long GB = 1024L * 1024 * 1024;

  @Test
  void defaultsToOneJobPerCoreWithOneThreadEach() {
    assertThat(WorkerBudget.choose(0, 0, 8, 64 * GB, 2 * GB)).isEqualTo(new WorkerBudget(8, 1));
  }

  @Test
  void memoryLimitsJobsAndTheCoresAreSharedBetweenThem() {
    assertThat(WorkerBudget.choose(0, 0, 16, 8 * GB, 2 * GB)).isEqualTo(new WorkerBudget(4, 4));
    assertThat(WorkerBudget.choose(0, 0, 4, GB, 2 * GB)).isEqualTo(new WorkerBudget(1, 4));
  }

  @Test
  void explicitValuesWin() {
    assertThat(WorkerBudget.choose(3, 0, 12, 64 * GB, 2 * GB)).isEqualTo(new WorkerBudget(3, 4));
    assertThat(WorkerBudget.choose(2, 5, 12, 64 * GB, 2 * GB)).isEqualTo(new WorkerBudget(2, 5));
    assertThat(WorkerBudget.choose(5, 0, 2, 64 * GB, 2 * GB)).isEqualTo(new WorkerBudget(5, 1));
  }
}
