package io.conceptrace.runner.exec.slurm;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The few Slurm commands ctrace uses; {@link SlurmCommands} runs the real ones. */
public interface SlurmClient {
  /** Whether {@code sbatch} can be run at all. */
  boolean available();

  /**
   * The partition's nodes ({@code sinfo -h -p NAME}), empty if no such partition exists; for an
   * empty name, the default partition's.
   */
  Optional<Partition> partition(String name);

  /** Every partition's name ({@code sinfo -h -o %P}), the default one marked with {@code *}. */
  List<String> partitions();

  /** Submits a job script ({@code sbatch --parsable SCRIPT}) and returns its job id. */
  String submit(Path script);

  /**
   * What the controller knows of these jobs ({@code scontrol show job}); jobs it forgot (finished
   * more than {@code MinJobAge} ago) are missing from the map.
   */
  Map<String, SlurmJob> jobs(Collection<String> ids);

  /** {@code scancel IDS}. */
  void cancel(Collection<String> ids);

  /**
   * A partition.
   *
   * @param name its name
   * @param nodes how many nodes it has
   */
  record Partition(String name, int nodes) {}
}
