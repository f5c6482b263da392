package io.conceptrace.runner.exec.slurm;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a Slurm job starts ctrace: the same Java and class path as the submitting process (so a job
 * runs exactly the code that planned it), plus the options that make the job see the same
 * experiment: the store, the experiment file and its {@code --set} overrides.
 *
 * @param java the {@code java} executable
 * @param jvmOptions options for the JVM, e.g. {@code -Dai.djl.offline=true}
 * @param classPath the class path
 * @param mainClass the CLI's main class
 * @param store the run store root (absolute)
 * @param experimentFile the experiment file (absolute)
 * @param overrides the {@code --set KEY=VALUE} overrides, in order
 * @param noScripts whether {@code --no-scripts} was given
 */
public record TaskCommand(
    String java,
    List<String> jvmOptions,
    String classPath,
    String mainClass,
    Path store,
    Path experimentFile,
    List<String> overrides,
    boolean noScripts) {
  public TaskCommand {
    jvmOptions = List.copyOf(jvmOptions);
    overrides = List.copyOf(overrides);
  }

  /**
   * The command of the running JVM: its {@code java}, class path, {@code ai.djl.*} system
   * properties (e.g. offline mode) and its garbage collector choice (the launcher's serial
   * collector, docs/execution.md "Memory"), so that a job runs as the submitting process does.
   */
  public static TaskCommand ofThisJvm(
      String mainClass,
      Path store,
      Path experimentFile,
      List<String> overrides,
      boolean noScripts) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Map<String, String> djl = new TreeMap<>();
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            k -> {
              if (k.startsWith("ai.djl.")) {
                djl.put(k, System.getProperty(k));
              }
            });
    List<String> jvm = new ArrayList<>();
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.matches("-XX:\\+Use\\w*GC"))
        .forEach(jvm::add);
    djl.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
    return new TaskCommand(
        java,
        jvm,
        System.getProperty("java.class.path"),
        mainClass,
        store,
        experimentFile,
        overrides,
        noScripts);
  }

  /** The arguments of {@code java ... MAIN}: everything before the subcommand. */
  List<String> launcher() {
    List<String> out = new ArrayList<>();
    out.add(java);
    out.addAll(jvmOptions);
    out.add("-cp");
    out.add(classPath);
    out.add(mainClass);
    return out;
  }

  /** The options every internal command takes to load the same experiment from the same store. */
  List<String> experimentOptions() {
    List<String> out = new ArrayList<>();
    out.add("--store");
    out.add(store.toString());
    out.add("--experiment");
    out.add(experimentFile.toString());
    for (String o : overrides) {
      out.add("--set");
      out.add(o);
    }
    if (noScripts) {
      out.add("--no-scripts");
    }
    return out;
  }
}
