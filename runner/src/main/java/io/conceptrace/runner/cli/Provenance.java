package io.conceptrace.runner.cli;

import io.conceptrace.core.engine.EngineInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every cell records about the software and machine that computed it. */
final class Provenance {
  private Provenance() {}

  /** Java, DJL, PyTorch and ctrace versions, the device and the intra-op thread count. */
  static Map<String, String> of(EngineInfo info) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("java", info.javaVersion());
    p.put("djl", info.djlVersion());
    p.put("pytorch", info.pytorchVersion());
    p.put("device", info.device());
    p.put("threads", Integer.toString(info.intraOpThreads()));
    String v = Provenance.class.getPackage().getImplementationVersion();
    p.put("ctrace", v == null ? "development" : v);
    return p;
  }
}
