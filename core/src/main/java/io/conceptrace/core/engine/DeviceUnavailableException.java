package io.conceptrace.core.engine;

/** A requested device does not exist on this machine; the message is one line for the user. */
public final class DeviceUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}
