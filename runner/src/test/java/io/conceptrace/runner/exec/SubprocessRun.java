package io.conceptrace.runner.exec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A {@link SyntheticDagMain} in its own JVM, read line by line. */
final class SubprocessRun implements AutoCloseable {
  final Process process;
  private final BufferedReader out;
  final List<String> lines = new ArrayList<>();

  private SubprocessRun(Process process) {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static SubprocessRun start(Path store, int jobs, long stepMillis, boolean honour, long grace)
      throws IOException {
    return start(store, jobs, stepMillis, honour, grace, List.of());
  }

  /** As {@link #start}, but the run begins only once {@code startSignal} exists. */
  static SubprocessRun startOn(Path startSignal, Path store, int jobs, long stepMillis)
      throws IOException {
    return start(store, jobs, stepMillis, true, 5000, List.of(startSignal.toString()));
  }

  private static SubprocessRun start(
      Path store, int jobs, long stepMillis, boolean honour, long grace, List<String> more)
      throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                SyntheticDagMain.class.getName(),
                store.toString(),
                Integer.toString(jobs),
                Long.toString(stepMillis),
                Boolean.toString(honour),
                Long.toString(grace)));
    command.addAll(more);
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return new SubprocessRun(p);
  }

  /** Reads lines until one matches; false if the process ended first. */
  boolean awaitLine(Predicate<String> matches) throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      lines.add(line);
      if (matches.test(line)) {
        return true;
      }
    }
    return false;
  }

  /** Reads everything to the end and waits for the exit code. */
  int finish() throws Exception {
    awaitLine(l -> false);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the run did not end; output: " + lines);
    }
    return process.exitValue();
  }

  long count(String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).count();
  }

  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    out.close();
  }
}
