package io.conceptrace.runner.cli;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.engine.DeviceUnavailableException;
import io.conceptrace.store.StoreFault;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Entry point of the {@code ctrace} launcher. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the CLI with the given streams and returns the exit code (used by tests). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = newCommandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  static CommandLine newCommandLine() {
    CtraceCommand root = new CtraceCommand();
    CommandLine cli = new CommandLine(root);
    cli.setExecutionStrategy(
        parsed -> {
          Logging.configure(root.global.verbosity());
          return new CommandLine.RunLast().execute(parsed);
        });
    cli.setExecutionExceptionHandler(Main::handleFailure);
    return cli;
  }

  private static int handleFailure(Exception e, CommandLine cmd, ParseResult parsed) {
    CtraceCommand root = rootOf(cmd);
    PrintWriter err = cmd.getErr();
    boolean debug = root != null && root.global.debug();
    int code;
    String message;
    Optional<StoreFault> fault = StoreFault.of(e);
    if (fault.isPresent()) {
      // The disk, not the program: the operating system's reason, the path and what to do.
      err.println("ctrace: error: " + storeFaultLine(fault.get()));
      if (debug) {
        e.printStackTrace(err);
      }
      err.flush();
      return ExitCode.RUN_FAILED;
    }
    if (e instanceof BadInputException || e instanceof DeviceUnavailableException) {
      code = ExitCode.BAD_INPUT;
      message = e.getMessage();
    } else {
      code = ExitCode.RUN_FAILED;
      message = describe(e);
    }
    err.println("ctrace: error: " + message);
    if (debug) {
      e.printStackTrace(err);
    } else if (code == ExitCode.RUN_FAILED) {
      err.println("ctrace: (run again with --debug for the stack trace)");
    }
    err.flush();
    return code;
  }

  /** One line for a fault of the run store's file system: reason, path, advice. */
  static String storeFaultLine(StoreFault fault) {
    return fault.line() + "; " + fault.advice();
  }

  private static String describe(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
      t = t.getCause();
    }
    String m = t.getMessage();
    String firstLine = m == null ? "" : m.lines().findFirst().orElse("");
    return firstLine.isBlank() ? t.getClass().getSimpleName() : firstLine;
  }

  private static CtraceCommand rootOf(CommandLine cmd) {
    CommandLine c = cmd;
    while (c.getParent() != null) {
      c = c.getParent();
    }
    return c.getCommand() instanceof CtraceCommand r ? r : null;
  }
}
