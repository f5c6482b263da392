package io.conceptrace.core;

/**
 * Something the user supplied is wrong (a file, a path, a setting). The message is complete and
 * fits on one line, names the file/line/key or image path, and is shown without a stack trace; the
 * CLI exits with code 2.
 */
public class BadInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
