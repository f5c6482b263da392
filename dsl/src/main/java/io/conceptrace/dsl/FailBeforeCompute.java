package io.conceptrace.dsl;

import io.conceptrace.core.BadInputException;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.core.trak.Kernel;
import io.conceptrace.core.trak.ParameterGroups;
import io.conceptrace.core.trak.TrakMemory;
import io.conceptrace.core.trak.TrakSpec;
import io.conceptrace.dsl.Experiment.Activations;
import io.conceptrace.dsl.Experiment.Concept;
import io.conceptrace.dsl.Experiment.ConceptKind;
import io.conceptrace.dsl.Experiment.Sparsity;
import io.conceptrace.dsl.cell.CellSpecs;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checks of a whole experiment that a stage would otherwise fail on after hours of compute: each
 * calls the predicate the failing code itself uses (core's probe and TRAK rules), so {@code ctrace
 * validate} rejects a file exactly when a cell would.
 */
final class FailBeforeCompute {
  private FailBeforeCompute() {}

  /**
   * Records a problem for every check that fails.
   *
   * @param memoryLimitBytes what one attribution cell may use (this machine's memory)
   */
  static void check(
      ConfigReader r,
      Experiment.Data data,
      Map<String, Concept> concepts,
      Experiment.Probes probes,
      Experiment.Attribution attribution,
      Optional<ArchitectureSpec> spec,
      long memoryLimitBytes) {
    for (Concept c : concepts.values()) {
      duplicateClasses(r, c);
    }
    sparseEpochs(r, concepts, probes);
    if (spec.isPresent() && !r.hasProblem("attribution") && !r.hasProblem("probes")) {
      projection(r, probes, attribution, spec.get(), data.train().size(), memoryLimitBytes);
    }
  }

  /** {@code classes = [snake, snake]}: rejected like every other list with a repeated entry. */
  private static void duplicateClasses(ConfigReader r, Concept c) {
    if (c.kind() != ConceptKind.CLASSES) {
      return;
    }
    String path = "concepts." + c.name() + ".classes";
    SourcePosition at = c.classesScript().map(b -> b.position()).orElseGet(() -> r.position(path));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < c.classNames().size(); i++) {
      String key = i < c.classIds().size() ? "#" + c.classIds().get(i) : c.classNames().get(i);
      if (!seen.add(key)) {
        r.problemAt(at, path, "class " + c.classNames().get(i) + " is listed twice");
      }
    }
  }

  /** A sparse probe with fewer epochs than the probe trainer accepts. */
  private static void sparseEpochs(
      ConfigReader r, Map<String, Concept> concepts, Experiment.Probes probes) {
    Optional<Sparsity> sparse = probes.sparsity().stream().filter(s -> !s.dense()).findFirst();
    if (sparse.isEmpty() || r.hasProblem("probes.epochs")) {
      return;
    }
    for (Concept c : concepts.values()) {
      String path =
          c.probeEpochs().isPresent() ? "concepts." + c.name() + ".probe-epochs" : "probes.epochs";
      ProbeSpec.sparseEpochsProblem(probes.epochsFor(c))
          .ifPresent(m -> r.problem(path, m + " (probes.sparsity has " + sparse.get() + ")"));
    }
  }

  /** Whether TRAK's projection at every probed layer fits the memory. */
  private static void projection(
      ConfigReader r,
      Experiment.Probes probes,
      Experiment.Attribution a,
      ArchitectureSpec spec,
      OptionalInt trainSize,
      long memoryLimitBytes) {
    // The spec the attribute cells get (the seed does not change what memory it needs).
    TrakSpec trak = CellSpecs.trak(a, 0L);
    ParameterGroups groups = trak.parameters();
    long examples = trainSize.isPresent() ? trainSize.getAsInt() : Long.MAX_VALUE;
    for (String layer : probes.layers()) {
      Optional<LayerInfo> info = LayerCatalog.find(spec, layer);
      if (info.isEmpty()) {
        continue;
      }
      Map<String, Long> sizes = Network.parameterSizesUpTo(spec, layer);
      long p;
      try {
        p = groups.select(sizes.keySet()).stream().mapToLong(sizes::get).sum();
      } catch (BadInputException e) {
        r.problem("attribution.parameter-groups", "at " + layer + ": " + e.getMessage());
        continue;
      }
      if (groups.probe()) {
        long width =
            probes.activations() == Activations.FLAT
                ? info.get().flatSize()
                : info.get().channels();
        p += width + 1;
      }
      TrakMemory.estimate(p, examples, trak)
          .problem("at " + layer, memoryLimitBytes, "this machine's memory")
          .ifPresent(m -> r.problem("attribution.projection-dim", m));
      if (a.methods().contains("trak")
          && trainSize.isPresent()
          && !r.hasProblem("attribution.projection-dim")) {
        // Only TRAK inverts the kernel (grad-dot, grad-cos and random do not). Said once unless
        // the layer's parameters, not the training images, bound the rank.
        int n = trainSize.getAsInt();
        String where = p < n ? "at " + layer + ": " : "";
        Kernel.rankProblem(a.projectionDim(), n, p, a.lambda())
            .ifPresent(m -> r.problem("attribution.projection-dim", where + m));
      }
    }
  }

  /** This machine's physical memory; the JVM's heap limit when the system does not say. */
  static long machineMemoryBytes() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long total = os.getTotalMemorySize();
      if (total > 0) {
        return total;
      }
    }
    return Runtime.getRuntime().maxMemory();
  }
}
