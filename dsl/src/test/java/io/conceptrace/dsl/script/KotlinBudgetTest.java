package io.conceptrace.dsl.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrace.dsl.Experiment;
import io.conceptrace.dsl.ExperimentException;
import io.conceptrace.dsl.ExperimentLoader;
import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.SourcePosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kotlin blocks under a budget: the bytecode policy, its opt-in, and the time limit. */
class KotlinBudgetTest {
  static final KotlinScriptHost HOST = new KotlinScriptHost(Optional.empty());
  static final SourcePosition AT = new SourcePosition("x.conf", 7, 12);
  static final ScriptBudget SAFE = new ScriptBudget(Duration.ofMillis(800), false);
  static final ScriptBudget UNSAFE = new ScriptBudget(Duration.ofMillis(800), true);

  @TempDir Path dir;

  static ScriptBlock block(String source, ScriptBudget budget) {
    return new ScriptBlock(source, AT, "probes.layers.kotlin", budget);
  }

  static List<String> messages(ScriptException e) {
    return e.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void anUnsafeBlockRunsOnlyWhenTheFileAllowsIt() throws IOException {
    Path f = dir.resolve("x.conf");
    Files.writeString(
        f,
        "experiment { name = k }\n"
            + "data { source = synthetic, train { per-class = 20 } }, attribution.projection-dim = 64\n"
            + "model { arch = small-cnn, width = 0.5 }\n"
            + "concepts.wavy { kind = classes, classes = [snake] }\n"
            + "probes.layers { kotlin = \"\"\"if (java.io.File(\".\").exists()) listOf(\"layer2\")"
            + " else listOf(\"layer1\")\"\"\" }\n"
            + "scripts.allow-unsafe = true\n");
    ExperimentLoader allowed =
        new ExperimentLoader(
            new ExperimentLoader.Options(List.of(), true, false, false), Optional.of(HOST));
    Experiment e = allowed.load(f);
    assertThat(e.probes().layers()).containsExactly("layer2");

    // The same block in the same host, now without the opt-in: refused, not served from memory.
    ExperimentLoader refused =
        new ExperimentLoader(
            new ExperimentLoader.Options(
                List.of("scripts.allow-unsafe = false"), true, false, false),
            Optional.of(HOST));
    assertThatThrownBy(() -> refused.load(f))
        .isInstanceOf(ExperimentException.class)
        .hasMessage(
            f
                + ":5: probes.layers.kotlin: the Kotlin block uses java.io.File; blocks may not end"
                + " the process, start processes or threads, use files, the network or reflection"
                + " (set scripts.allow-unsafe = true to allow it)");
  }

  @Test
  void aBlockFromTheDiskCacheIsCheckedToo() {
    String source =
        "if (java.nio.file.Files.exists(java.nio.file.Path.of(\"/\"))) listOf(1) else listOf()";
    KotlinScriptHost first = new KotlinScriptHost(Optional.of(dir));
    assertThat(first.value(block(source, UNSAFE))).isEqualTo(List.of(1));
    assertThat(dir).isNotEmptyDirectory();

    KotlinScriptHost second = new KotlinScriptHost(Optional.of(dir));
    assertThatThrownBy(() -> second.value(block(source, SAFE)))
        .isInstanceOfSatisfying(
            ScriptException.class,
            e ->
                assertThat(messages(e))
                    .singleElement()
                    .asString()
                    .startsWith(
                        "x.conf:7: probes.layers.kotlin: the Kotlin block uses"
                            + " java.nio.file.Path.of;"));
  }

  @Test
  void eachRefusalNamesTheLineOfTheBlockThatMakesIt() {
    ScriptBlock b =
        block(
            "val a = listOf(1, 2)\n"
                + "val f = java.io.File(\"x\")\n"
                + "val s = a.sum()\n"
                + "Runtime.getRuntime().exec(\"true\")\n"
                + "a",
            SAFE);
    assertThatThrownBy(() -> HOST.value(b))
        .isInstanceOfSatisfying(
            ScriptException.class,
            e ->
                assertThat(messages(e))
                    .hasSize(2)
                    .satisfiesExactly(
                        m -> assertThat(m).startsWith("x.conf:8: probes.layers.kotlin: "),
                        m ->
                            assertThat(m)
                                .startsWith(
                                    "x.conf:10: probes.layers.kotlin: the Kotlin block uses"
                                        + " java.lang.Runtime.getRuntime;")));
  }

  @Test
  void ordinaryBlocksPassThePolicy() {
    ScriptBlock b =
        block(
            "val xs = (1..10).map { it * it }.filter { it % 2 == 0 }\n"
                + "val m = mutableMapOf(\"a\" to 1.5)\n"
                + "val s = \"k=${xs.size} ${m[\"a\"]} ${Math.sqrt(16.0)} ${xs.sorted().reversed()}\"\n"
                + "println(s)\n"
                + "val seq = sequence { yield(1); yield(2) }.toList()\n"
                + "listOf(s.length.coerceAtMost(3), kotlin.math.sign(System.nanoTime().toDouble()).toInt())",
            SAFE);
    assertThat(HOST.value(b)).isEqualTo(List.of(3, 1));
  }

  @Test
  void theWaysOutAreEachRefused() {
    List<String[]> cases =
        List.of(
            new String[] {"java.util.Formatter(\"out.txt\").format(\"x\")", "java.util.Formatter"},
            new String[] {"kotlin.system.exitProcess(3)", "java.lang.System.exit"},
            new String[] {"java.io.File(\"x\").readText()", "java.io.File"},
            new String[] {"kotlin.concurrent.thread { }", "kotlin.concurrent.ThreadsKt.thread"},
            new String[] {"Thread.sleep(1)", "java.lang.Thread.sleep"},
            new String[] {"listOf(1)::class.java.classLoader", "java.lang.Class.getClassLoader"},
            new String[] {"System.getenv(\"HOME\")", "java.lang.System.getenv"},
            new String[] {
              "java.util.concurrent.Executors.newFixedThreadPool(2)",
              "java.util.concurrent.Executors.newFixedThreadPool"
            });
    for (String[] c : cases) {
      ScriptBlock b = block(c[0] + "\nlistOf(1)", SAFE);
      assertThatThrownBy(() -> HOST.value(b))
          .as(c[0])
          .isInstanceOfSatisfying(
              ScriptException.class,
              e ->
                  assertThat(messages(e))
                      .as(c[0])
                      .first()
                      .asString()
                      .contains("the Kotlin block uses " + c[1]));
    }
  }

  @Test
  void aCallThatRunsTooLongFailsAndTheNextCallStillRuns() throws InterruptedException {
    ScriptBlock b =
        new ScriptBlock(
            "if (id() == \"stuck\") { while (true) {} }\ntrue", AT, "concepts.p.script", SAFE);
    KotlinScriptHost.ImageScore score = HOST.predicate(b);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> score.apply(image("stuck")))
        .isInstanceOf(ScriptException.class)
        .hasMessage(
            "x.conf:7:12: concepts.p.script: the Kotlin block did not finish within 800ms"
                + " (scripts.timeout)");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    assertThat(score.apply(image("fine"))).isEqualTo(true);

    // The stuck evaluation was stopped, not left spinning on a core.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (busyScriptThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(busyScriptThreads()).isZero();
  }

  private static long busyScriptThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("ctrace-kotlin-"))
        .filter(t -> t.getState() == Thread.State.RUNNABLE)
        .count();
  }

  private static io.conceptrace.core.concept.ImageView image(String id) {
    return new io.conceptrace.core.concept.ImageView(
        id, 0, new io.conceptrace.core.data.ImageTensor(1, 2, 2, new float[4]));
  }
}
