package io.conceptrace.runner.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Parent of the benchmarks; does nothing by itself but show help. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure throughput of the compute stages on this machine.",
    subcommands = {BenchTrainCommand.class, BenchTrakCommand.class})
final class BenchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "a benchmark is required (see ctrace bench --help)");
  }
}
