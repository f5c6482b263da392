package io.conceptrace.runner.cli;

import io.conceptrace.core.engine.DeviceSpec;
import io.conceptrace.core.engine.EngineOptions;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The device and thread options of every command that computes. */
public final class EngineSelection {
  @Option(
      names = "--device",
      paramLabel = "auto|cpu|gpu[:N]",
      converter = DeviceConverter.class,
      description = "Device to compute on (default: ${DEFAULT-VALUE}).",
      defaultValue = "auto")
  DeviceSpec device = DeviceSpec.AUTO;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "PyTorch intra-op threads; 0 = one per core (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  int threads;

  public EngineOptions options() {
    return new EngineOptions(device, threads);
  }

  static final class DeviceConverter implements ITypeConverter<DeviceSpec> {
    @Override
    public DeviceSpec convert(String value) {
      return DeviceSpec.parse(value);
    }
  }
}
