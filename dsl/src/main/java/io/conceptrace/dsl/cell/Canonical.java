package io.conceptrace.dsl.cell;

import io.conceptrace.core.data.Augmentation;
import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.core.probe.Pooling;
import io.conceptrace.core.probe.ProbeOptimizer;
import io.conceptrace.core.probe.ProbeSpec;
import io.conceptrace.core.train.LrSchedule;
import io.conceptrace.core.train.OptimizerSpec;
import io.conceptrace.core.train.ProgressiveResolution;
import io.conceptrace.core.train.TrainSpec;
import io.conceptrace.core.trak.EnsembleMode;
import io.conceptrace.core.trak.TrakSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The canonical forms of core's specs: written out field by field (no reflection), with the key
 * names of the experiment file where a field has one, so that {@code diff} can name what changed.
 * Fields that do not change a result (evaluation batch sizes, loader workers, memory budgets) are
 * left out on purpose; every other field is in.
 */
public final class Canonical {
  private Canonical() {}

  /** The body of a cell's canonical form plus its seed and the {@link CellSpec#SEMANTICS}. */
  static Map<String, Object> cell(Map<String, Object> body, long seed) {
    Map<String, Object> s = new TreeMap<>(body);
    s.put("seed", seed);
    s.put("semantics", CellSpec.SEMANTICS);
    return copy(s);
  }

  static Map<String, Object> model(ArchitectureSpec a) {
    Map<String, Object> s = new TreeMap<>();
    s.put("arch", a.name());
    s.put("width", a.width());
    s.put("stem", a.smallStem() ? "small" : "standard");
    return s;
  }

  /** The trainer's spec without its seed (the cell's) and without what only evaluation reads. */
  static Map<String, Object> training(TrainSpec t) {
    Map<String, Object> s = new TreeMap<>();
    s.put("epochs", t.epochs());
    s.put("batch-size", t.batchSize());
    OptimizerSpec o = t.optimizer();
    Map<String, Object> optimizer = new TreeMap<>();
    optimizer.put("name", word(o.kind()));
    optimizer.put("lr", o.learningRate());
    switch (o.kind()) {
      case SGD -> {
        optimizer.put("momentum", o.momentum());
        optimizer.put("nesterov", o.nesterov());
      }
      case ADAM -> {
        optimizer.put("beta1", o.beta1());
        optimizer.put("beta2", o.beta2());
        optimizer.put("epsilon", o.epsilon());
      }
    }
    s.put("optimizer", optimizer);
    s.put("weight-decay", o.weightDecay());
    s.put("weight-decay-batchnorm", o.decayBatchNorm());
    s.put("schedule", schedule(t.schedule()));
    s.put("label-smoothing", t.labelSmoothing());
    s.put("augmentation", augmentation(t.augmentation()));
    Map<String, Object> resolution = new TreeMap<>();
    resolution.put("enabled", t.progressiveResolution().isPresent());
    t.progressiveResolution().ifPresent(r -> resolution.putAll(resolution(r)));
    s.put("progressive-resolution", resolution);
    return s;
  }

  private static Map<String, Object> resolution(ProgressiveResolution r) {
    Map<String, Object> s = new TreeMap<>();
    s.put("min-size", r.minSize());
    s.put("max-size", r.maxSize());
    s.put("start-epoch", r.startEpoch());
    s.put("end-epoch", r.endEpoch());
    return s;
  }

  /** Only the parameters the schedule's kind reads. */
  static Map<String, Object> schedule(LrSchedule schedule) {
    Map<String, Object> s = new TreeMap<>();
    if (schedule instanceof LrSchedule.Step st) {
      s.put("kind", "step");
      s.put("step-every", st.stepLength());
      s.put("step-factor", st.ratio());
    } else if (schedule instanceof LrSchedule.Triangular tr) {
      s.put("kind", "triangular");
      s.put("peak-epoch", tr.peakEpoch());
      s.put("start-factor", tr.startFactor());
    } else if (schedule instanceof LrSchedule.Cosine co) {
      s.put("kind", "cosine");
      s.put("peak-epoch", co.warmupEpochs());
    } else if (schedule instanceof LrSchedule.Constant) {
      s.put("kind", "constant");
    } else {
      throw new IllegalArgumentException("no canonical form for " + schedule);
    }
    return s;
  }

  static Map<String, Object> augmentation(Augmentation a) {
    Map<String, Object> s = new TreeMap<>();
    s.put("crop", word(a.crop()));
    if (a.crop() == Augmentation.Crop.PAD_CROP) {
      s.put("crop-padding", a.cropPadding());
    }
    s.put("flip", a.horizontalFlip());
    return s;
  }

  /** The probe trainer's spec without its seed and sparsity (the cell's own keys). */
  static Map<String, Object> probe(ProbeSpec p, java.util.Optional<Augmentation> augmentation) {
    Map<String, Object> s = new TreeMap<>();
    s.put("epochs", p.epochs());
    s.put("batch-size", p.batchSize());
    Map<String, Object> optimizer = new TreeMap<>();
    ProbeOptimizer o = p.optimizer();
    optimizer.put("name", word(o.kind()));
    optimizer.put("lr", p.learningRate());
    if (o.kind() == ProbeOptimizer.Kind.SGD) {
      optimizer.put("momentum", o.momentum());
      optimizer.put("nesterov", o.nesterov());
    }
    s.put("optimizer", optimizer);
    s.put("weight-decay", p.weightDecay());
    s.put("activations", activations(p.pooling()));
    s.put("augmentation", augmentation.<Object>map(Canonical::augmentation).orElse(false));
    return s;
  }

  static String activations(Pooling pooling) {
    return pooling == Pooling.AVG ? "pooled" : "flat";
  }

  static String sparsity(ProbeSpec p) {
    return p.sparsity().isPresent() ? Integer.toString(p.sparsity().getAsInt()) : "dense";
  }

  /** TRAK's spec without its seed and without its batch size and memory budgets. */
  static Map<String, Object> trak(TrakSpec t) {
    Map<String, Object> s = new TreeMap<>();
    s.put("projection", word(t.projection()));
    s.put("projection-dim", t.projectionDim());
    s.put("projections", t.projections());
    s.put("lambda", t.ridge());
    s.put("kernel-mode", t.ensembleMode() == EnsembleMode.TRAKER ? "reference" : "plain");
    s.put("parameter-groups", List.of(t.parameters().spec().split("\\+")));
    s.put("top-k", t.topK());
    return s;
  }

  static String word(Enum<?> v) {
    return v.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** A deep, unmodifiable copy with sorted keys. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> copy(Map<String, Object> m) {
    Map<String, Object> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, copyValue(v)));
    return Collections.unmodifiableMap(out);
  }

  @SuppressWarnings("unchecked")
  private static Object copyValue(Object v) {
    if (v instanceof Map<?, ?> m) {
      return copy((Map<String, Object>) m);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(copyValue(x)));
      return Collections.unmodifiableList(out);
    }
    return v;
  }
}
