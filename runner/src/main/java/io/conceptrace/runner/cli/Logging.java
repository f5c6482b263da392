package io.conceptrace.runner.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;

/** Sets log levels from -v flags: quiet by default, our INFO with -v, everything DEBUG with -vv. */
final class Logging {
  private Logging() {}

  static void configure(int verbosity) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = context.getLogger("io.conceptrace");
    switch (Math.min(verbosity, 2)) {
      case 0 -> {
        root.setLevel(Level.WARN);
        ours.setLevel(Level.WARN);
      }
      case 1 -> {
        root.setLevel(Level.WARN);
        ours.setLevel(Level.INFO);
      }
      default -> {
        root.setLevel(Level.DEBUG);
        ours.setLevel(Level.DEBUG);
      }
    }
  }
}
