package io.conceptrace.runner.exec.slurm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Slurm's own commands ({@code sbatch}, {@code sinfo}, {@code scontrol}, {@code scancel}),
 * found on a search path. No accounting database is needed: job states come from {@code scontrol},
 * which knows finished jobs for {@code MinJobAge} seconds (default 300); after that the run store's
 * records say how a cell ended.
 */
public final class SlurmCommands implements SlurmClient {
  private static final long TIMEOUT_SECONDS = 60;
  private static final Pattern JOB_ID = Pattern.compile("(?:^|\\s)JobId=(\\d+)");
  private static final Pattern STATE = Pattern.compile("\\sJobState=(\\S+)");
  private static final Pattern REASON = Pattern.compile("\\sReason=(\\S+)");
  private static final Pattern EXIT = Pattern.compile("\\sExitCode=(\\S+)");

  private final List<Path> searchPath;

  /** Commands found on {@code searchPath} (a {@code PATH}-style list of directories). */
  public SlurmCommands(String searchPath) {
    List<Path> dirs = new ArrayList<>();
    for (String d : searchPath == null ? new String[0] : searchPath.split(":")) {
      if (!d.isBlank()) {
        dirs.add(Path.of(d));
      }
    }
    this.searchPath = List.copyOf(dirs);
  }

  /** Commands found on this process's {@code PATH}. */
  public static SlurmCommands fromEnvironment() {
    return new SlurmCommands(System.getenv("PATH"));
  }

  @Override
  public boolean available() {
    return find("sbatch").isPresent();
  }

  @Override
  public Optional<Partition> partition(String name) {
    // One line per partition and node state: sum the nodes of each partition.
    Map<String, Integer> nodes = new LinkedHashMap<>();
    String defaultPartition = "";
    for (String line : run(List.of("sinfo", "-h", "-o", "%P %D")).lines().toList()) {
      String[] f = line.trim().split("\\s+");
      if (f.length != 2 || !f[1].matches("\\d+")) {
        continue;
      }
      String partition = f[0];
      if (partition.endsWith("*")) {
        partition = partition.substring(0, partition.length() - 1);
        defaultPartition = partition;
      }
      nodes.merge(partition, Integer.parseInt(f[1]), Integer::sum);
    }
    String wanted = name.isEmpty() ? defaultPartition : name;
    return nodes.containsKey(wanted)
        ? Optional.of(new Partition(wanted, nodes.get(wanted)))
        : Optional.empty();
  }

  @Override
  public List<String> partitions() {
    return run(List.of("sinfo", "-h", "-o", "%P")).lines().map(String::trim).distinct().toList();
  }

  @Override
  public String submit(Path script) {
    String out = run(List.of("sbatch", "--parsable", script.toString())).trim();
    // --parsable prints "JOBID" or "JOBID;CLUSTER".
    String id = out.lines().reduce((a, b) -> b).orElse("").split(";")[0].trim();
    if (!id.matches("\\d+")) {
      throw new SlurmException("sbatch " + script + " printed no job id: " + out);
    }
    return id;
  }

  @Override
  public Map<String, SlurmJob> jobs(Collection<String> ids) {
    Map<String, SlurmJob> out = new LinkedHashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    // All jobs at once: one call however many cells, and no error for forgotten ids.
    for (String line : run(List.of("scontrol", "-o", "show", "job")).lines().toList()) {
      Matcher id = JOB_ID.matcher(line);
      if (!id.find() || !ids.contains(id.group(1))) {
        continue;
      }
      out.put(
          id.group(1),
          new SlurmJob(id.group(1), group(STATE, line), group(REASON, line), group(EXIT, line)));
    }
    return out;
  }

  @Override
  public void cancel(Collection<String> ids) {
    if (ids.isEmpty()) {
      return;
    }
    List<String> args = new ArrayList<>(List.of("scancel"));
    args.addAll(ids);
    run(args);
  }

  private static String group(Pattern p, String line) {
    Matcher m = p.matcher(line);
    return m.find() ? m.group(1) : "";
  }

  private Optional<Path> find(String command) {
    for (Path dir : searchPath) {
      Path p = dir.resolve(command);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Runs a command and returns its standard output; throws with its error output on failure. */
  private String run(List<String> args) {
    Path exe =
        find(args.get(0))
            .orElseThrow(
                () -> new SlurmException(args.get(0) + " is not on the PATH (no Slurm client)"));
    List<String> command = new ArrayList<>(args);
    command.set(0, exe.toString());
    Process p;
    try {
      p = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new SlurmException("cannot run " + args.get(0) + ": " + e.getMessage());
    }
    CompletableFuture<String> stdout =
        CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new SlurmException(
            String.join(" ", args) + " did not answer in " + TIMEOUT_SECONDS + " s");
      }
      String out = stdout.get();
      if (p.exitValue() != 0) {
        String why = stderr.get().strip().replaceAll("\\s*\\n\\s*", "; ");
        throw new SlurmException(
            String.join(" ", args) + " failed (exit " + p.exitValue() + "): " + why);
      }
      return out;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SlurmException(args.get(0) + " was interrupted");
    } catch (ExecutionException e) {
      throw new SlurmException("cannot read the output of " + args.get(0));
    }
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
