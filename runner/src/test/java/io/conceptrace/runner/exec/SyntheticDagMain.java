package io.conceptrace.runner.exec;

import io.conceptrace.store.RunStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helper run as a separate JVM: runs the {@link SyntheticDag} through the real pipeline and
 * prints {@code STARTED id} / {@code ENDED id STATE} lines, so a test can kill it at chosen
 * moments. Arguments: STORE JOBS STEP_MILLIS HONOUR_CANCEL(true|false) GRACE_MILLIS [START_FILE]:
 * with START_FILE, it prints {@code WAITING} and starts only once that file exists (so that two
 * processes can be started together). Exit code 0 when every cell has output, 1 otherwise.
 */
public final class SyntheticDagMain {
  private SyntheticDagMain() {}

  public static void main(String[] args) throws InterruptedException {
    RunStore store = new RunStore(Path.of(args[0]));
    int jobs = Integer.parseInt(args[1]);
    long step = Long.parseLong(args[2]);
    boolean honour = Boolean.parseBoolean(args[3]);
    Duration grace = Duration.ofMillis(Long.parseLong(args[4]));
    PrintWriter out = new PrintWriter(System.out, true);
    if (args.length > 5) {
      out.println("WAITING");
      while (!Files.exists(Path.of(args[5]))) {
        Thread.sleep(5);
      }
    }
    AtomicInteger executed = new AtomicInteger();
    ExecutionListener announce =
        new ExecutionListener() {
          @Override
          public synchronized void cellStarted(PlannedCell cell) {
            out.println("STARTED " + cell.id());
          }

          @Override
          public synchronized void cellEnded(CellOutcome o) {
            out.println("ENDED " + o.cell().id() + " " + o.state());
          }
        };
    Pipeline pipeline = new Pipeline();
    Pipeline.Result result;
    try (ShutdownGuard guard = pipeline.guardSignals(grace)) {
      result =
          pipeline.run(
              new Pipeline.Request(
                  SyntheticDag.EXPERIMENT,
                  SyntheticDag.cells(),
                  store,
                  SyntheticDag.runners(step, Set.of(), honour, executed),
                  List.of(),
                  new RunPolicy(false),
                  Map.of("test", "synthetic")),
              new LocalExecutor(jobs),
              announce);
      out.println("EXECUTED " + executed.get());
      out.println("RESULT " + (result.report().succeeded() ? "OK" : "INCOMPLETE"));
      guard.runEnded();
    }
    System.exit(result.report().succeeded() ? 0 : 1);
  }
}
