package io.conceptrace.mlflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a real MLflow tracking server: the one CI started ({@code
 * CTRACE_TEST_MLFLOW_URI}), or else one {@code mlflow server} started for the class on a free
 * 127.0.0.1 port with a temporary SQLite database (stopped after the class). Inject it as a {@link
 * TestServer} parameter.
 */
public final class MlflowServerExtension implements ParameterResolver {
  public static final String ENV = "CTRACE_TEST_MLFLOW_URI";
  static final Duration STARTUP = Duration.ofSeconds(90);

  /** The server a test talks to. */
  public record TestServer(MlflowConnection connection, MlflowRest rest) {}

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext classContext =
        context.getTestClass().isPresent() && context.getTestMethod().isPresent()
            ? context.getParent().orElse(context)
            : context;
    ExtensionContext.Store store =
        classContext.getStore(ExtensionContext.Namespace.create(MlflowServerExtension.class));
    return store.getOrComputeIfAbsent("server", k -> Holder.open(), Holder.class).server;
  }

  /** Owns a server started for one test class; JUnit closes stored AutoCloseables after it. */
  static final class Holder implements AutoCloseable {
    final TestServer server;
    private final LocalMlflowServer local;
    private final Path directory;

    private Holder(TestServer server, LocalMlflowServer local, Path directory) {
      this.server = server;
      this.local = local;
      this.directory = directory;
    }

    static Holder open() {
      String shared = System.getenv(ENV);
      if (shared != null && !shared.isBlank()) {
        MlflowConnection c = MlflowConnection.of(shared);
        return new Holder(new TestServer(c, new MlflowRest(c.uri())), null, null);
      }
      try {
        Path dir = Files.createTempDirectory("ctrace-mlflow-test");
        LocalMlflowServer local = LocalMlflowServer.start(dir, 0, STARTUP);
        MlflowConnection c = local.connection();
        return new Holder(new TestServer(c, new MlflowRest(c.uri())), local, dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      if (local != null) {
        local.close();
        deleteTree(directory);
      }
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
