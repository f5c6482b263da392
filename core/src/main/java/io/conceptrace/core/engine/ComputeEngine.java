package io.conceptrace.core.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The started DJL PyTorch engine and the device this process computes on.
 *
 * <p>DJL reads its threading and offline switches from system properties the first time the engine
 * loads, so {@link #start} sets them before touching {@link Engine}. The natives come from the
 * {@code pytorch-native-cpu} jar on the class path (or from {@code PYTORCH_LIBRARY_PATH} on a CUDA
 * machine); nothing is downloaded.
 */
public final class ComputeEngine {

  public static final String ENGINE_NAME = "PyTorch";

  private final Engine engine;
  private final Device device;

  private ComputeEngine(Engine engine, Device device) {
    this.engine = engine;
    this.device = device;
  }

  /**
   * Loads the engine (once per process; later calls reuse it) and resolves the device.
   *
   * @throws DeviceUnavailableException if a GPU was asked for and does not exist
   */
  public static ComputeEngine start(EngineOptions options) {
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.resolvedThreads()));
    // One inter-op thread: our parallelism is across cells and within ops, not across graph nodes.
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    Engine engine = Engine.getEngine(ENGINE_NAME);
    if (JniUtils.getNumThreads() != options.resolvedThreads()) {
      JniUtils.setNumThreads(options.resolvedThreads());
    }
    return new ComputeEngine(engine, resolve(options.device(), engine.getGpuCount()));
  }

  /** The intra-op thread count of the calling thread's PyTorch ops. */
  public static int intraOpThreads() {
    return JniUtils.getNumThreads();
  }

  static Device resolve(DeviceSpec spec, int gpuCount) {
    return switch (spec.kind()) {
      case CPU -> Device.cpu();
      case AUTO -> gpuCount > 0 ? Device.gpu(0) : Device.cpu();
      case GPU -> {
        if (gpuCount == 0) {
          throw new DeviceUnavailableException(
              "device "
                  + spec
                  + " was requested but no GPU is visible to PyTorch"
                  + " (use --device cpu, or run on a machine with CUDA natives)");
        }
        if (spec.index() >= gpuCount) {
          throw new DeviceUnavailableException(
              "device "
                  + spec
                  + " was requested but only "
                  + gpuCount
                  + " GPU(s) exist (gpu:0 .. gpu:"
                  + (gpuCount - 1)
                  + ")");
        }
        yield Device.gpu(spec.index());
      }
    };
  }

  public Engine engine() {
    return engine;
  }

  public Device device() {
    return device;
  }

  /** Versions, devices, threads and the native library's location. */
  public EngineInfo info() {
    List<String> devices = new ArrayList<>();
    devices.add(Device.cpu().toString());
    for (int i = 0; i < engine.getGpuCount(); i++) {
      devices.add(Device.gpu(i).toString());
    }
    return new EngineInfo(
        Runtime.version().toString(),
        Engine.getDjlVersion(),
        engine.getEngineName(),
        engine.getVersion(),
        device.toString(),
        engine.getGpuCount(),
        JniUtils.getNumThreads(),
        JniUtils.getNumInteropThreads(),
        loadedLibtorch(),
        Boolean.getBoolean("ai.djl.offline"),
        List.copyOf(devices));
  }

  /**
   * The libtorch actually mapped into this process, which is the truth about where it came from.
   */
  private static String loadedLibtorch() {
    Path maps = Path.of("/proc/self/maps");
    if (Files.isReadable(maps)) {
      try (Stream<String> lines = Files.lines(maps)) {
        var hit =
            lines
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(p -> p.contains("libtorch_cpu") || p.contains("libtorch.so"))
                .findFirst();
        if (hit.isPresent()) {
          return hit.get();
        }
      } catch (IOException | RuntimeException e) {
        // fall back to what DJL says below
      }
    }
    return LibUtils.getLibtorchPath();
  }
}
