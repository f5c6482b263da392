package io.conceptrace.dsl.script;

import io.conceptrace.core.concept.ImageView;
import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.SourcePosition;
import io.conceptrace.dsl.matrix.CellView;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import kotlin.KotlinVersion;
import kotlin.Unit;
import kotlin.jvm.functions.Function1;
import kotlin.script.experimental.api.CompiledScript;
import kotlin.script.experimental.api.EvaluationResult;
import kotlin.script.experimental.api.ResultValue;
import kotlin.script.experimental.api.ResultWithDiagnostics;
import kotlin.script.experimental.api.ScriptCompilationConfiguration;
import kotlin.script.experimental.api.ScriptDiagnostic;
import kotlin.script.experimental.api.ScriptEvaluationConfiguration;
import kotlin.script.experimental.api.SourceCode;
import kotlin.script.experimental.host.StringScriptSource;
import kotlin.script.experimental.jvm.JvmScriptCompilationKt;
import kotlin.script.experimental.jvm.JvmScriptEvaluationKt;
import kotlin.script.experimental.jvm.impl.KJvmCompiledModuleInMemory;
import kotlin.script.experimental.jvm.impl.KJvmCompiledScript;
import kotlin.script.experimental.jvmhost.BasicJvmScriptingHost;
import kotlin.script.experimental.jvmhost.JvmScriptSavingKt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles and runs the Kotlin blocks of experiment files with the embedded Kotlin scripting host.
 *
 * <p>Compiling a block takes seconds when the compiler is cold, so each distinct block (kind +
 * text) is compiled and evaluated once per host and kept in memory, and, when a cache directory is
 * given, its compiled classes are kept on disk as a jar keyed by a hash of the generated source,
 * the Kotlin version and the compile classpath, so repeated CLI runs skip the compiler entirely. A
 * predicate or filter block evaluates to a function that is then called per image or per cell.
 *
 * <p>Each block runs under its {@link ScriptBudget}: before it runs, its bytecode must pass {@link
 * ScriptPolicy} (no files, network, processes, threads, reflection or exiting) unless the file
 * allows unsafe blocks, and every evaluation (the block itself, and each call of a predicate or a
 * filter) must finish within the time limit ({@link ScriptTimer}).
 *
 * <p>Instances are thread-safe. The policy is a guard against mistakes and careless files, not a
 * sandbox proven against an attacker: callers that handle untrusted files should not call this
 * class at all (the CLI's {@code --no-scripts}).
 */
public final class KotlinScriptHost {
  private static final Logger LOG = LoggerFactory.getLogger(KotlinScriptHost.class);

  /** Environment variable naming the on-disk cache directory. */
  public static final String CACHE_ENV = "CTRACE_SCRIPT_CACHE";

  /** System property naming the on-disk cache directory (wins over the environment variable). */
  public static final String CACHE_PROPERTY = "ctrace.script.cache";

  private final Optional<Path> cacheDirectory;
  private final Map<String, Object> values = new ConcurrentHashMap<>();
  private final BasicJvmScriptingHost host = new BasicJvmScriptingHost();
  private final List<File> classpath;
  private final ScriptCompilationConfiguration compilation;
  private final ScriptEvaluationConfiguration evaluation;
  private final ScriptTimer timer = new ScriptTimer();

  /**
   * @param cacheDirectory where compiled blocks are kept between runs (empty: memory only)
   */
  public KotlinScriptHost(Optional<Path> cacheDirectory) {
    this.cacheDirectory = cacheDirectory;
    this.classpath = compileClasspath();
    this.compilation =
        new ScriptCompilationConfiguration(
            b -> {
              JvmScriptCompilationKt.updateClasspath(b, classpath);
              return Unit.INSTANCE;
            });
    ClassLoader loader = KotlinScriptHost.class.getClassLoader();
    this.evaluation =
        new ScriptEvaluationConfiguration(
            b -> {
              b.set(
                  JvmScriptEvaluationKt.getBaseClassLoader(JvmScriptEvaluationKt.getJvm(b)),
                  loader);
              return Unit.INSTANCE;
            });
  }

  /**
   * A host with the default on-disk cache: {@code -Dctrace.script.cache}, else {@code
   * $CTRACE_SCRIPT_CACHE}, else {@code ~/.cache/ctrace/kotlin-scripts}.
   */
  public static KotlinScriptHost withDefaultCache() {
    String env = System.getProperty(CACHE_PROPERTY, System.getenv(CACHE_ENV));
    Path dir =
        env != null && !env.isBlank()
            ? Path.of(env)
            : Path.of(System.getProperty("user.home"), ".cache", "ctrace", "kotlin-scripts");
    return new KotlinScriptHost(Optional.of(dir));
  }

  /** A concept predicate: call it per image; it returns a Boolean or a Number. */
  public ImageScore predicate(ScriptBlock block) {
    Function1<Object, Object> f = function(block, ScriptKind.PREDICATE);
    return image -> call(block, f, image);
  }

  /** A matrix filter: true excludes the cell. */
  public CellFilter filter(ScriptBlock block) {
    Function1<Object, Object> f = function(block, ScriptKind.FILTER);
    return cell -> {
      Object r = call(block, f, cell);
      if (r instanceof Boolean b) {
        return b;
      }
      throw new ScriptException(
          List.of(
              new Problem(
                  block.position(),
                  block.path(),
                  "the filter must return true or false, got " + describe(r))));
    };
  }

  /** The value of a computed block, e.g. a list for a grid (Kotlin ranges become lists). */
  public Object value(ScriptBlock block) {
    Object v = evaluate(block, ScriptKind.VALUE);
    if (v == NULL_VALUE) {
      throw new ScriptException(
          List.of(new Problem(block.position(), block.path(), "the Kotlin block returned null")));
    }
    if (v instanceof Iterable<?> it) {
      List<Object> out = new ArrayList<>();
      it.forEach(out::add);
      return List.copyOf(out);
    }
    if (v instanceof Object[] array) {
      return List.of(array);
    }
    return v;
  }

  /** Checks that a block compiles (and evaluates, for a function block: defines the function). */
  public void check(ScriptBlock block, ScriptKind kind) {
    evaluate(block, kind);
  }

  /** A compiled predicate over one image. */
  @FunctionalInterface
  public interface ImageScore {
    Object apply(ImageView image);
  }

  /** A compiled matrix filter. */
  @FunctionalInterface
  public interface CellFilter {
    boolean excludes(CellView cell);
  }

  private Function1<Object, Object> function(ScriptBlock block, ScriptKind kind) {
    Object v = evaluate(block, kind);
    if (!(v instanceof Function1<?, ?> f)) {
      throw new IllegalStateException("generated " + kind + " script did not yield a function");
    }
    @SuppressWarnings("unchecked") // the generated script declares (T) -> Any?, T erased to Object
    Function1<Object, Object> typed = (Function1<Object, Object>) f;
    return typed;
  }

  private Object call(ScriptBlock block, Function1<Object, Object> f, Object argument) {
    return timer.within(
        block,
        () -> {
          try {
            return f.invoke(argument);
          } catch (RuntimeException e) {
            throw new ScriptException(
                new Problem(block.position(), block.path(), "the Kotlin block failed: " + e), e);
          }
        });
  }

  /** A short description of a block's result for messages. */
  public static String describe(Object r) {
    return r == null ? "null" : r.getClass().getSimpleName() + " " + r;
  }

  private Object evaluate(ScriptBlock block, ScriptKind kind) {
    String generated = kind.wrap(block.source());
    String key = cacheKey(generated);
    // A value evaluated with unsafe calls allowed is never handed to a file that does not allow
    // them: the policy check runs before a value enters the map under the safe key.
    String valueKey = block.budget().allowUnsafe() ? key + "+unsafe" : key;
    Object cached = values.get(valueKey);
    if (cached != null) {
      return cached;
    }
    // Compile outside any map lock (seconds); two threads may race on the same new block, which
    // costs time, never correctness.
    Object value = compileAndEvaluate(block, kind, generated, key);
    Object previous = values.putIfAbsent(valueKey, value);
    return previous != null ? previous : value;
  }

  private Object compileAndEvaluate(
      ScriptBlock block, ScriptKind kind, String generated, String key) {
    SourceCode source =
        new StringScriptSource(generated, "ctrace_" + key.substring(0, 12) + ".kts");
    CompiledScript compiled = loadCached(key).orElse(null);
    Collection<byte[]> classes = compiled == null ? List.of() : cachedClasses(key);
    if (classes.isEmpty()) {
      compiled = null; // a cached jar whose classes cannot be read (for the check) is recompiled
    }
    if (compiled == null) {
      long t0 = System.nanoTime();
      ResultWithDiagnostics<? extends CompiledScript> result =
          host.<ResultWithDiagnostics<? extends CompiledScript>>runInCoroutineContext(
              c -> host.getCompiler().invoke(source, compilation, c));
      if (!(result instanceof ResultWithDiagnostics.Success<? extends CompiledScript> ok)) {
        throw new ScriptException(errors(block, kind, result.getReports()));
      }
      compiled = ok.getValue();
      LOG.debug("compiled {} in {} ms", block.path(), (System.nanoTime() - t0) / 1_000_000);
      store(key, compiled);
      classes = compiledClasses(compiled);
    }
    if (!block.budget().allowUnsafe()) {
      if (classes.isEmpty()) {
        throw new ScriptException(
            List.of(
                new Problem(
                    block.position(),
                    block.path(),
                    "cannot read the compiled block to check what it uses")));
      }
      List<Problem> refused = ScriptPolicy.check(classes, block, kind);
      if (!refused.isEmpty()) {
        throw new ScriptException(refused);
      }
    }
    CompiledScript script = compiled;
    ResultWithDiagnostics<EvaluationResult> evaluated =
        timer.within(
            block,
            () ->
                host.<ResultWithDiagnostics<EvaluationResult>>runInCoroutineContext(
                    c -> host.getEvaluator().invoke(script, evaluation, c)));
    if (!(evaluated instanceof ResultWithDiagnostics.Success<EvaluationResult> ok)) {
      throw new ScriptException(errors(block, kind, evaluated.getReports()));
    }
    ResultValue rv = ok.getValue().getReturnValue();
    if (rv instanceof ResultValue.Value v) {
      return v.getValue() == null ? NULL_VALUE : v.getValue();
    }
    if (rv instanceof ResultValue.Error e) {
      Throwable t = e.getError();
      throw new ScriptException(
          new Problem(block.position(), block.path(), "the Kotlin block failed: " + t), t);
    }
    return NULL_VALUE;
  }

  /** Stands for a block whose value is null (the value map cannot hold null). */
  private static final Object NULL_VALUE = new Object();

  private Optional<CompiledScript> loadCached(String key) {
    if (cacheDirectory.isEmpty()) {
      return Optional.empty();
    }
    Path jar = cacheDirectory.get().resolve(key + ".jar");
    if (!Files.isRegularFile(jar)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JvmScriptSavingKt.loadScriptFromJar(jar.toFile(), false));
    } catch (RuntimeException e) {
      LOG.debug("ignoring unreadable cached script {}: {}", jar, e.toString());
      return Optional.empty();
    }
  }

  /** The class files of a block just compiled. */
  private static Collection<byte[]> compiledClasses(CompiledScript compiled) {
    if (compiled instanceof KJvmCompiledScript k
        && k.getCompiledModule() instanceof KJvmCompiledModuleInMemory m) {
      List<byte[]> out = new ArrayList<>();
      m.getCompilerOutputFiles()
          .forEach(
              (name, bytes) -> {
                if (name.endsWith(".class")) {
                  out.add(bytes);
                }
              });
      return out;
    }
    return List.of();
  }

  /** The class files of a block in the on-disk cache (empty when unreadable). */
  private Collection<byte[]> cachedClasses(String key) {
    Path jar = cacheDirectory.orElseThrow().resolve(key + ".jar");
    List<byte[]> out = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry e : java.util.Collections.list(file.entries())) {
        if (e.getName().endsWith(".class")) {
          try (InputStream in = file.getInputStream(e)) {
            out.add(in.readAllBytes());
          }
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot read cached script {}: {}", jar, e.toString());
      return List.of();
    }
    return out;
  }

  private void store(String key, CompiledScript compiled) {
    if (cacheDirectory.isEmpty() || !(compiled instanceof KJvmCompiledScript k)) {
      return;
    }
    Path dir = cacheDirectory.get();
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, key, ".tmp");
      JvmScriptSavingKt.saveToJar(k, tmp.toFile());
      Files.move(tmp, dir.resolve(key + ".jar"), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException e) {
      // The cache is an optimisation: a read-only home directory must not break a run.
      LOG.debug("cannot cache compiled script in {}: {}", dir, e.toString());
    }
  }

  /** Compiler errors as lines pointing into the experiment file. */
  private static List<Problem> errors(
      ScriptBlock block, ScriptKind kind, List<ScriptDiagnostic> reports) {
    Set<Problem> lines = new LinkedHashSet<>();
    for (ScriptDiagnostic d : reports) {
      if (d.getSeverity() != ScriptDiagnostic.Severity.ERROR
          && d.getSeverity() != ScriptDiagnostic.Severity.FATAL) {
        continue;
      }
      SourcePosition at = block.position();
      if (d.getLocation() != null) {
        at =
            map(
                block,
                kind,
                d.getLocation().getStart().getLine(),
                d.getLocation().getStart().getCol());
      }
      lines.add(new Problem(at, block.path(), d.getMessage()));
    }
    if (lines.isEmpty()) {
      lines.add(new Problem(block.position(), block.path(), "the Kotlin block does not compile"));
    }
    return List.copyOf(lines);
  }

  /** Maps a (line, column) of the generated script to the experiment file. */
  static SourcePosition map(ScriptBlock block, ScriptKind kind, int line, int column) {
    SourcePosition p = block.position();
    int userLines = (int) block.source().lines().count();
    int userLine = line - kind.prefixLines();
    if (userLine < 1) {
      return p;
    }
    if (userLine > Math.max(1, userLines)) {
      // An error reported after the block (e.g. an unclosed brace): point at its last line.
      return new SourcePosition(p.file(), p.line() + Math.max(0, userLines - 1), 0);
    }
    int fileColumn = userLine == 1 && p.column() > 0 ? p.column() + column - 1 : column;
    return new SourcePosition(p.file(), p.line() + userLine - 1, fileColumn);
  }

  private String cacheKey(String generated) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(KotlinVersion.CURRENT.toString().getBytes(StandardCharsets.UTF_8));
      for (File f : classpath) {
        sha.update(f.getPath().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      sha.update(generated.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  }

  /**
   * The jars (or class directories) the scripts compile against: the Kotlin standard library, core
   * (ImageView) and this module (CellView). Taken from the classes' own code sources, so it works
   * the same under Maven's test runner, the launcher's lib directory and an IDE.
   */
  private static List<File> compileClasspath() {
    Set<File> files = new LinkedHashSet<>();
    for (Class<?> c : List.of(Unit.class, ImageView.class, CellView.class)) {
      files.add(locationOf(c));
    }
    return List.copyOf(files);
  }

  private static File locationOf(Class<?> c) {
    CodeSource cs = c.getProtectionDomain().getCodeSource();
    if (cs == null || cs.getLocation() == null) {
      throw new IllegalStateException("cannot locate the classes of " + c.getName());
    }
    try {
      return new File(cs.getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(
          "bad location of " + c.getName() + ": " + cs.getLocation(), e);
    }
  }
}
