package io.conceptrace.core.trak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KernelTest {
  @Test
  void choleskyFactorAndTriangularInverseReconstructTheMatrix() {
    int n = 9;
    Random r = new Random(3);
    double[] b = new double[n * n];
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextGaussian();
    }
    double[] a = new double[n * n]; // BᵀB + I: symmetric positive definite
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = i == j ? 1 : 0;
        for (int p = 0; p < n; p++) {
          s += b[p * n + i] * b[p * n + j];
        }
        a[i * n + j] = s;
      }
    }
    double[] l = a.clone();
    Kernel.choleskyInPlace(l, n);
    double[] linv = Kernel.lowerInverse(l, n);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double llt = 0;
        double id = 0;
        for (int p = 0; p < n; p++) {
          llt += l[i * n + p] * l[j * n + p];
          id += l[i * n + p] * linv[p * n + j];
        }
        assertThat(llt).isCloseTo(a[i * n + j], within(1e-10));
        assertThat(id).isCloseTo(i == j ? 1 : 0, within(1e-10));
        if (j > i) {
          assertThat(l[i * n + j]).isZero();
        }
      }
    }
  }

  @Test
  void blockedFactorisationsMatchTheUnblockedOnes() {
    int n = 2 * Kernel.BLOCK + 37; // two full blocks and a partial one
    Random r = new Random(4);
    double[] b = new double[n * n];
    for (int i = 0; i < b.length; i++) {
      b[i] = r.nextGaussian();
    }
    double[] a = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = i == j ? n : 0;
        for (int p = 0; p < n; p++) {
          s += b[p * n + i] * b[p * n + j];
        }
        a[i * n + j] = s;
      }
    }
    double[] plain = a.clone();
    Kernel.choleskyInPlace(plain, n);
    double[] plainInv = Kernel.lowerInverse(plain, n);
    ComputeEngine engine = ComputeEngine.start(new EngineOptions(DeviceSpec.CPU, 0));
    try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
      double[] blocked = Kernel.blockedCholesky(a.clone(), n, manager);
      double[] blockedInv = Kernel.blockedLowerInverse(blocked, n, manager);
      for (int i = 0; i < n * n; i++) {
        assertThat(blocked[i]).isCloseTo(plain[i], within(1e-9 * Math.max(1, Math.abs(plain[i]))));
        assertThat(blockedInv[i]).isCloseTo(plainInv[i], within(1e-9));
      }
    }
  }

  @Test
  void singularGramWithoutRidgeIsReportedNotInverted() {
    double[] a = {1, 1, 1, 1}; // rank 1
    assertThatThrownBy(() -> Kernel.choleskyInPlace(a, 2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("increase the ridge");
  }
}
