package io.conceptrace.runner.cli;

import io.conceptrace.core.engine.ComputeEngine;
import io.conceptrace.core.engine.EngineInfo;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints versions, devices and threads; loads the engine, needs no network. */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Show Java, DJL and PyTorch versions, devices, threads and where natives loaded.")
final class InfoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin EngineSelection engineSelection;

  @Override
  public Integer call() {
    EngineInfo info = ComputeEngine.start(engineSelection.options()).info();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("java            %s%n", info.javaVersion());
    out.printf("djl             %s%n", info.djlVersion());
    out.printf("engine          %s %s%n", info.engineName(), info.pytorchVersion());
    out.printf("device          %s%n", info.device());
    out.printf("devices         %s%n", String.join(", ", info.availableDevices()));
    out.printf("gpus            %d%n", info.gpuCount());
    out.printf(
        "threads         %d intra-op, %d inter-op (cores: %d)%n",
        info.intraOpThreads(), info.interOpThreads(), Runtime.getRuntime().availableProcessors());
    out.printf("natives         %s%n", info.nativeLibrary());
    out.printf("offline         %s%n", info.offline());
    out.flush();
    return ExitCode.OK;
  }
}
