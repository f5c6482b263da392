package io.conceptrace.runner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrace.dsl.script.KotlinScriptHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each file under {@code experiments/bad/} breaks one thing (two in one file); its {@code #
 * expect:} comments are the exact lines {@code ctrace validate} must print (FILE stands for the
 * file's path), with exit code 2 and no stack trace. {@code experiments/bad/inc/} holds files that
 * the include cases include (they are not cases themselves).
 */
class MalformedExperimentTest {
  static final Path DIR = Path.of("src/test/resources/experiments/bad");

  @TempDir static Path scriptCache;

  @BeforeAll
  static void isolateScriptCache() {
    // Compiled blocks go to a temporary directory, not the user's ~/.cache.
    System.setProperty(KotlinScriptHost.CACHE_PROPERTY, scriptCache.toString());
  }

  @AfterAll
  static void restoreScriptCache() {
    System.clearProperty(KotlinScriptHost.CACHE_PROPERTY);
  }

  static Stream<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(DIR)) {
      return s
          .filter(p -> p.toString().endsWith(".conf"))
          .filter(p -> !p.getFileName().toString().equals("valid-base.conf"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @Test
  void theCorpusIsLargeAndTheBaseIsValid() throws IOException {
    assertThat(files().count()).isGreaterThanOrEqualTo(30);
    CliHarness ok = CliHarness.run("validate", DIR.resolve("valid-base.conf").toString());
    assertThat(ok.err()).isEmpty();
    assertThat(ok.exitCode()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void reportsTheExactProblem(Path file) throws IOException {
    List<String> expected =
        Files.readAllLines(file).stream()
            .filter(l -> l.startsWith("# expect: "))
            .map(l -> l.substring("# expect: ".length()).replace("FILE", file.toString()))
            .toList();
    assertThat(expected).as("the file states what it expects").isNotEmpty();

    CliHarness r = CliHarness.run("validate", file.toString());

    assertThat(r.err().lines().toList()).containsExactlyElementsOf(expected);
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aMissingFileIsOneLine() {
    CliHarness r = CliHarness.run("validate", "no/such/file.conf");
    assertThat(r.err().lines().toList()).containsExactly("no/such/file.conf: no such file");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
  }

  @Test
  void aBadOverrideNamesTheOverride() {
    CliHarness r =
        CliHarness.run(
            "validate", "--set", "probes.epochs=0", DIR.resolve("valid-base.conf").toString());
    assertThat(r.err().lines().toList())
        .containsExactly(
            "--set probes.epochs=0: probes.epochs: must be between 1 and 100000, got 0");
    assertThat(r.exitCode()).isEqualTo(ExitCode.BAD_INPUT);
  }
}
