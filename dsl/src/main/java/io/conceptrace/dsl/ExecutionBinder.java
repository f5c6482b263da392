package io.conceptrace.dsl;

import io.conceptrace.dsl.Experiment.Execution;
import io.conceptrace.dsl.ListReader.Element;
import io.conceptrace.dsl.ListReader.Form;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Binds {@code execution.*}: where and how the matrix runs, and its Slurm jobs' resources. */
final class ExecutionBinder {
  private ExecutionBinder() {}

  private static final Pattern DEVICE = Pattern.compile("cpu|gpu(:\\d+)?");

  private static final List<String> EXECUTORS = List.of("local", "slurm");

  /** Slurm's names: partitions and accounts. */
  private static final Pattern SLURM_NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

  /** Slurm's time formats: minutes[:seconds], h:m:s, days-h[:m[:s]]. */
  private static final Pattern SLURM_TIME =
      Pattern.compile("\\d+(:\\d{1,2}){0,2}|\\d+-\\d{1,2}(:\\d{1,2}){0,2}");

  /** Slurm's memory sizes: a number with an optional K, M, G or T suffix. */
  private static final Pattern SLURM_MEM = Pattern.compile("\\d+[KMGTkmgt]?");

  static Execution bind(ConfigReader r, ListReader lists) {
    String device = r.string("execution.device");
    if (!DEVICE.matcher(device).matches()) {
      r.problem("execution.device", "must be cpu, gpu or gpu:N, got '" + device + "'");
    }
    String executor = r.string("execution.executor");
    if (!EXECUTORS.contains(executor)) {
      r.problem(
          "execution.executor",
          "must be one of "
              + String.join(", ", EXECUTORS)
              + ", got '"
              + executor
              + "'"
              + ConfigReader.suggest(executor, EXECUTORS));
    }
    return new Execution(
        device,
        r.integer("execution.jobs", 0, 4096),
        r.integer("execution.threads", 0, 4096),
        Path.of(r.string("execution.store")),
        executor,
        slurm(r, lists));
  }

  private static Experiment.Slurm slurm(ConfigReader r, ListReader lists) {
    Optional<String> partition =
        slurmWord(r, "execution.slurm.partition", SLURM_NAME, "a partition name");
    Optional<String> account =
        slurmWord(r, "execution.slurm.account", SLURM_NAME, "an account name");
    Optional<String> time =
        slurmWord(
            r,
            "execution.slurm.time",
            SLURM_TIME,
            "a Slurm time limit such as 30, 2:00:00 or 1-12:00:00");
    Optional<String> mem =
        slurmWord(r, "execution.slurm.mem", SLURM_MEM, "a Slurm memory size such as 8G or 16000M");
    String extraPath = "execution.slurm.extra-args";
    ListReader.Read<String> extra =
        lists.read(
            extraPath, Form.LIST, "sbatch options", (e, problem) -> sbatchOption(r, extraPath, e));
    return new Experiment.Slurm(
        partition,
        account,
        time,
        r.integer("execution.slurm.cpus-per-task", 1, 4096),
        mem,
        r.integer("execution.slurm.gpus-per-task", 0, 64),
        extra.items());
  }

  /** One sbatch option; a bad one is reported at its index, the way sbatch scripts list them. */
  private static Optional<String> sbatchOption(ConfigReader r, String path, Element e) {
    if (e.value() instanceof String arg
        && arg.startsWith("-")
        && !arg.contains("\n")
        && !arg.contains("\r")) {
      return Optional.of(arg);
    }
    r.problemAt(
        e.at(),
        path + "[" + e.index() + "]",
        "must be one sbatch option starting with '-' (e.g. \"--qos=short\"), got " + e.written());
    return Optional.empty();
  }

  private static Optional<String> slurmWord(
      ConfigReader r, String path, Pattern format, String what) {
    if (!r.isNull(path) && r.type(path) == com.typesafe.config.ConfigValueType.NUMBER) {
      // `time = 30` (minutes) is natural to write unquoted.
      return Optional.of(r.config().getValue(path).unwrapped().toString())
          .filter(s -> checkSlurmWord(r, path, s, format, what));
    }
    return r.optionalString(path).filter(s -> checkSlurmWord(r, path, s, format, what));
  }

  private static boolean checkSlurmWord(
      ConfigReader r, String path, String value, Pattern format, String what) {
    if (format.matcher(value).matches()) {
      return true;
    }
    r.problem(path, "must be " + what + ", got '" + value + "'");
    return false;
  }
}
