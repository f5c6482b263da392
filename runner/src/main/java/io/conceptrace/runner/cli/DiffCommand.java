package io.conceptrace.runner.cli;

import io.conceptrace.core.BadInputException;
import io.conceptrace.dsl.matrix.MatrixDiff;
import io.conceptrace.dsl.matrix.PlanRenderer;
import io.conceptrace.dsl.matrix.Stages;
import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.store.RunStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ctrace diff OLD NEW} and {@code ctrace diff FILE --against REV}: what a change to an
 * experiment file costs, in cells added, removed and invalidated.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description =
        "Compare the run matrices of two versions of an experiment: cells added, removed and"
            + " invalidated, with the setting that caused it. Give OLD NEW, or one FILE and --against"
            + " a git revision (the file's directory, with its includes, is taken from that revision).")
public final class DiffCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin ExperimentOptions options;

  @Parameters(arity = "1..2", paramLabel = "FILE", description = "OLD NEW, or FILE with --against.")
  List<Path> files;

  @Option(
      names = "--against",
      paramLabel = "GIT_REV",
      description = "Compare FILE with its version at this git revision (e.g. main, HEAD~1).")
  String against;

  @Option(
      names = "--store",
      paramLabel = "DIR",
      description =
          "Run store whose timings give the compute estimate (default: the new file's"
              + " execution.store).")
  Path store;

  @Option(
      names = "--format",
      defaultValue = "text",
      description = "text or markdown. Default: ${DEFAULT-VALUE}.")
  String format;

  @Override
  public Integer call() throws IOException {
    PlanRenderer.Format f = PlanCommand.format(spec, format);
    if ((against == null) == (files.size() == 1)) {
      throw new ParameterException(
          spec.commandLine(), "give OLD NEW, or one FILE with --against GIT_REV");
    }
    Optional<KotlinScriptHost> host = options.scriptHost();
    Path oldFile;
    String oldName;
    Path newFile;
    Path tempDir = null;
    try {
      if (against != null) {
        newFile = files.get(0);
        tempDir = Files.createTempDirectory("ctrace-diff");
        oldFile = checkout(newFile, against, tempDir);
        oldName = against + ":" + newFile;
      } else {
        oldFile = files.get(0);
        newFile = files.get(1);
        oldName = oldFile.toString();
      }
      LoadedExperiment before = LoadedExperiment.load(oldFile, options, host);
      LoadedExperiment after = LoadedExperiment.load(newFile, options, host);
      if (!before.ok() || !after.ok()) {
        before.printProblems(spec.commandLine().getErr());
        after.printProblems(spec.commandLine().getErr());
        return ExitCode.BAD_INPUT;
      }
      MatrixDiff diff = MatrixDiff.of(before.matrix(), after.matrix());
      ConfigChanges changes = ConfigChanges.between(oldFile, newFile);
      List<String> toRun = new ArrayList<>();
      diff.added().forEach(c -> toRun.add(c.stage()));
      diff.invalidated().forEach(i -> toRun.add(i.after().stage()));
      ComputeEstimate estimate =
          ComputeEstimate.of(
              new RunStore(store != null ? store : after.experiment().execution().store()),
              after.matrix().experiment(),
              ComputeEstimate.count(
                  Stages.ORDER.stream().flatMap(st -> toRun.stream().filter(st::equals)).toList()));
      boolean md = f == PlanRenderer.Format.MARKDOWN;
      // The changed settings first: an added cell (a new prune size) has no old settings to
      // show as its cause, so these lines are what explains it.
      spec.commandLine()
          .getOut()
          .print(
              diff.render(
                  oldName, newFile.toString(), f, md ? changes.markdown() : changes.text()));
      spec.commandLine().getOut().print(md ? estimate.markdown() : estimate.text());
      spec.commandLine().getOut().flush();
      return ExitCode.OK;
    } finally {
      if (tempDir != null) {
        deleteTree(tempDir);
      }
    }
  }

  /**
   * Extracts the file's directory (recursively, so that its includes come along) as it was at the
   * revision, and returns the old file's path inside the extraction.
   */
  private static Path checkout(Path file, String rev, Path into) throws IOException {
    Path abs = file.toAbsolutePath().normalize();
    Path dir = abs.getParent();
    String top = git(dir, "rev-parse", "--show-toplevel").strip();
    Path root = Path.of(top).toRealPath();
    Path relDir = root.relativize(dir.toRealPath());
    String spec = relDir.toString().isEmpty() ? "." : relDir.toString().replace('\\', '/');
    byte[] zip = gitBytes(root, "archive", "--format=zip", rev, "--", spec);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        Path target = into.resolve(e.getName()).normalize();
        if (!target.startsWith(into)) {
          throw new BadInputException("unsafe path in git archive: " + e.getName());
        }
        if (e.isDirectory()) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(in, target);
        }
      }
    }
    Path old = into.resolve(relDir.resolve(abs.getFileName()).toString());
    if (!Files.isRegularFile(old)) {
      throw new BadInputException(file + " does not exist at revision " + rev);
    }
    return old;
  }

  private static String git(Path dir, String... args) {
    return new String(gitBytes(dir, args), StandardCharsets.UTF_8);
  }

  private static byte[] gitBytes(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add("git");
    command.addAll(List.of(args));
    try {
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(false).start();
      byte[] out;
      byte[] err;
      try (InputStream stdout = p.getInputStream();
          InputStream stderr = p.getErrorStream()) {
        out = stdout.readAllBytes();
        err = stderr.readAllBytes();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        String why = new String(err, StandardCharsets.UTF_8).lines().findFirst().orElse("failed");
        throw new BadInputException("git " + String.join(" ", args) + ": " + why);
      }
      return out;
    } catch (IOException e) {
      throw new BadInputException("cannot run git: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BadInputException("interrupted while running git", e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
