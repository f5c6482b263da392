package io.conceptrace.runner.exec.slurm;

import io.conceptrace.core.BadInputException;
import io.conceptrace.dsl.Experiment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What is checked before anything is submitted, each failure one line (exit 2): {@code sbatch} is
 * on the PATH; the partition exists ({@code sinfo}); the run store is an absolute directory that
 * exists (it is created) and is writable by this user; and on a partition with more than one node,
 * neither the run store, the experiment file nor the class path lies under a node-local directory
 * ({@code /tmp}, {@code /var/tmp}, {@code /dev/shm}, {@code /run}), which jobs on other nodes could
 * not see. Whether a path is on a shared file system cannot be known from here in general; the
 * node-local prefixes are the common mistake.
 */
public final class SlurmPreflight {
  private static final List<String> NODE_LOCAL = List.of("/tmp", "/var/tmp", "/dev/shm", "/run");

  private SlurmPreflight() {}

  /** Checks the cluster and the paths; returns the partition the jobs go to. */
  public static SlurmClient.Partition check(
      SlurmClient client,
      Experiment.Slurm settings,
      Path store,
      Path experimentFile,
      String classPath) {
    if (!client.available()) {
      throw new BadInputException(
          "--executor slurm: sbatch is not on the PATH; run on a Slurm login node or use"
              + " --executor local");
    }
    String named = settings.partition().orElse("");
    SlurmClient.Partition partition =
        client
            .partition(named)
            .orElseThrow(
                () ->
                    new BadInputException(
                        named.isEmpty()
                            ? "execution.slurm.partition: not set and the cluster has no default"
                                + " partition (partitions: "
                                + String.join(", ", client.partitions())
                                + ")"
                            : "execution.slurm.partition: no partition '"
                                + named
                                + "' on this cluster (sinfo lists: "
                                + String.join(", ", client.partitions())
                                + ")"));
    checkStore(store);
    if (partition.nodes() > 1) {
      requireShared("the run store", store, partition);
      requireShared("the experiment file", experimentFile, partition);
      for (String entry : classPath.split(java.io.File.pathSeparator)) {
        if (!entry.isBlank()) {
          requireShared("the class path entry", Path.of(entry), partition);
        }
      }
    }
    return partition;
  }

  /** The store must be absolute, exist (created here) and be writable. */
  static void checkStore(Path store) {
    if (!store.isAbsolute()) {
      throw new BadInputException("run store " + store + ": the Slurm jobs need an absolute path");
    }
    try {
      Files.createDirectories(store);
      Path probe = Files.createTempFile(store, ".slurm-write-check", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      throw new BadInputException(
          "run store " + store + " is not a writable directory: " + e.getMessage());
    }
  }

  private static void requireShared(String what, Path path, SlurmClient.Partition partition) {
    Path p = path.toAbsolutePath().normalize();
    for (String local : NODE_LOCAL) {
      if (p.startsWith(local)) {
        throw new BadInputException(
            what
                + " "
                + p
                + " is under "
                + local
                + ", which each node has its own of, and partition "
                + partition.name()
                + " has "
                + partition.nodes()
                + " nodes: the jobs could not reach it; use a shared file system"
                + (what.equals("the run store") ? " (execution.store or --store)" : ""));
      }
    }
  }
}
