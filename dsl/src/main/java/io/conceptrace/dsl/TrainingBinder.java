package io.conceptrace.dsl;

import io.conceptrace.dsl.Experiment.Augmentation;
import io.conceptrace.dsl.Experiment.Crop;
import io.conceptrace.dsl.Experiment.Optimizer;
import io.conceptrace.dsl.Experiment.OptimizerName;
import io.conceptrace.dsl.Experiment.ProgressiveResolution;
import io.conceptrace.dsl.Experiment.Schedule;
import io.conceptrace.dsl.Experiment.ScheduleKind;
import io.conceptrace.dsl.Experiment.Training;

/** Binds {@code training.*}: how base models (and retrained models) are trained. */
final class TrainingBinder {
  private TrainingBinder() {}

  static Training bind(ConfigReader r) {
    int ensemble = r.integer("training.ensemble", 1, 10_000);
    int epochs = r.integer("training.epochs", 1, 100_000);
    // After a bad training.epochs the epoch checks below would compare with its default.
    boolean epochsKnown = !r.hasProblem("training.epochs");
    int batch = r.integer("training.batch-size", 1, 1_000_000);
    Optimizer optimizer = optimizer(r, "training.optimizer");
    Schedule schedule =
        new Schedule(
            r.choice("training.schedule.kind", ScheduleKind.class),
            r.integer("training.schedule.peak-epoch", 0, 100_000),
            r.number("training.schedule.start-factor", 0, true, 1, false),
            r.integer("training.schedule.step-every", 1, 100_000),
            r.number("training.schedule.step-factor", 0, true, 1, false));
    if (epochsKnown && schedule.peakEpoch() > epochs) {
      r.problem(
          "training.schedule.peak-epoch",
          "must not exceed training.epochs (" + epochs + "), got " + schedule.peakEpoch());
    }
    double wd = r.number("training.weight-decay", 0, false, 1, false);
    boolean wdBn = r.bool("training.weight-decay-batchnorm");
    double smoothing = r.number("training.label-smoothing", 0, false, 1, true);
    Augmentation aug =
        new Augmentation(
            r.bool("training.augmentation.flip"),
            r.choice("training.augmentation.crop", Crop.class),
            r.integer("training.augmentation.crop-padding", 0, 1024));
    String pr = "training.progressive-resolution";
    ProgressiveResolution res =
        new ProgressiveResolution(
            r.bool(pr + ".enabled"),
            r.integer(pr + ".min-size", 8, 4096),
            r.integer(pr + ".max-size", 8, 4096),
            r.integer(pr + ".start-epoch", 0, 100_000),
            r.integer(pr + ".end-epoch", 0, 100_000));
    if (res.enabled()) {
      // The trainer's own predicate, so that validation and execution agree.
      io.conceptrace.core.train.ProgressiveResolution.problem(
              res.minSize(), res.maxSize(), res.startEpoch(), res.endEpoch())
          .ifPresent(m -> r.problem(pr + ".min-size", m));
      if (epochsKnown && res.endEpoch() > epochs) {
        r.problem(
            pr + ".end-epoch",
            "must not exceed training.epochs (" + epochs + "), got " + res.endEpoch());
      }
    }
    return new Training(
        ensemble, epochs, batch, optimizer, schedule, wd, wdBn, smoothing, aug, res);
  }

  /** An optimizer block ({@code training.optimizer} or {@code probes.optimizer}). */
  static Optimizer optimizer(ConfigReader r, String p) {
    Optimizer o =
        new Optimizer(
            r.choice(p + ".name", OptimizerName.class),
            r.number(p + ".lr", 0, true, 100, false),
            r.number(p + ".momentum", 0, false, 1, true),
            r.bool(p + ".nesterov"));
    if (o.name() == OptimizerName.SGD) {
      io.conceptrace.core.probe.ProbeOptimizer.problem(o.momentum(), o.nesterov())
          .ifPresent(m -> r.problem(p + ".nesterov", m));
    }
    return o;
  }
}
