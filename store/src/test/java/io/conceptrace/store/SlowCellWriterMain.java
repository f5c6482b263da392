package io.conceptrace.store;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Test helper run as a separate JVM: writes one cell slowly, announcing each step on stdout, so
 * that a test can kill it with SIGKILL at a chosen moment.
 */
public final class SlowCellWriterMain {
  private SlowCellWriterMain() {}

  public static void main(String[] args) throws Exception {
    RunStore store = new RunStore(Path.of(args[0]));
    int files = Integer.parseInt(args[1]);
    try (CellWriter w = store.open("exp", "stage", "cell")) {
      System.out.println("OPENED");
      for (int i = 0; i < files; i++) {
        byte[] data = new byte[64 * 1024];
        java.util.Arrays.fill(data, (byte) i);
        Files.write(w.file("part-" + i + ".bin"), data);
        w.metric("written", i, i);
        System.out.println("FILE " + i);
        Thread.sleep(20);
      }
      System.out.println("COMMITTING");
      w.commit(w.recordBuilder().settings(java.util.Map.of("files", files)).build());
      System.out.println("COMMITTED");
    }
  }
}
