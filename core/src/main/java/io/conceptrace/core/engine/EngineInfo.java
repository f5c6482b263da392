package io.conceptrace.core.engine;

import java.util.List;

/**
 * What the running engine is: versions, devices, threads and where its native library came from.
 *
 * @param javaVersion the JVM's version
 * @param djlVersion DJL's version
 * @param engineName the DJL engine's name
 * @param pytorchVersion the loaded libtorch's version
 * @param device the device computations run on
 * @param gpuCount GPUs visible to the engine
 * @param intraOpThreads intra-op threads in use
 * @param interOpThreads inter-op threads in use
 * @param nativeLibrary the path of the loaded libtorch library
 * @param offline whether DJL is forbidden from downloading anything
 * @param availableDevices every device the engine can use
 */
public record EngineInfo(
    String javaVersion,
    String djlVersion,
    String engineName,
    String pytorchVersion,
    String device,
    int gpuCount,
    int intraOpThreads,
    int interOpThreads,
    String nativeLibrary,
    boolean offline,
    List<String> availableDevices) {}
