package io.conceptrace.store;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Names of temporary cell directories: {@code STAGE~CELL~HOST~PID~RANDOM}. The host and pid let a
 * later run tell a dead writer's leftovers from a live writer's work in progress.
 */
final class TempName {
  private static final String SEP = "~";

  private TempName() {}

  static String create(String stage, String cellId) {
    return String.join(
        SEP,
        stage,
        cellId,
        host(),
        Long.toString(ProcessHandle.current().pid()),
        UUID.randomUUID().toString().substring(0, 8));
  }

  static boolean ownerIsAlive(String name) {
    String[] parts = name.split(SEP);
    if (parts.length != 5) {
      return false;
    }
    if (!parts[2].equals(host())) {
      // Another machine's writer on a shared file system: we cannot know, so leave it.
      return true;
    }
    try {
      long pid = Long.parseLong(parts[3]);
      return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** When a process started, if the platform says (it does on Linux). */
  static Optional<Instant> processStart(ProcessHandle process) {
    return process.info().startInstant();
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName().replace(SEP, "-");
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
