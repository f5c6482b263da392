package io.conceptrace.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.mlflow.MlflowServerExtension.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Slurm jobs of one study start together and each looks up its experiment by name, creating it
 * when missing. On a fresh server several of them find nothing and create it at once; the server
 * keeps one and refuses the others with RESOURCE_ALREADY_EXISTS, which used to stop their live
 * logging (seen in SlurmClusterTest). Every client must end up with the one experiment.
 */
@Tag("slow")
@ExtendWith(MlflowServerExtension.class)
class ExperimentCreationRaceTest {
  private static final int CLIENTS = 8;
  private static final int ROUNDS = 4;

  @Test
  void clientsCreatingOneExperimentAtOnceAllGetTheSameId(TestServer server) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String name = "race-" + UUID.randomUUID();
        CyclicBarrier start = new CyclicBarrier(CLIENTS);
        List<Future<String>> ids = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
          ids.add(
              pool.submit(
                  () -> {
                    try (MlflowApi api = new MlflowApi(server.connection())) {
                      start.await(30, TimeUnit.SECONDS);
                      return api.experimentId(name);
                    }
                  }));
        }
        List<String> got = new ArrayList<>();
        for (Future<String> id : ids) {
          got.add(id.get(120, TimeUnit.SECONDS));
        }
        assertThat(got).as("round %d", round).hasSize(CLIENTS).containsOnly(got.get(0));
        assertThat(server.rest().experimentId(name)).isEqualTo(got.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
