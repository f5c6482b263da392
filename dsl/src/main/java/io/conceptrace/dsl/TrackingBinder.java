package io.conceptrace.dsl;

import io.conceptrace.dsl.Experiment.Tracking;

/** Binds {@code tracking.*}: whether and where runs are logged to MLflow. */
final class TrackingBinder {
  private TrackingBinder() {}

  /**
   * @param experimentName {@code experiment.name}, the MLflow experiment unless one is named
   */
  static Tracking bind(ConfigReader r, String experimentName) {
    Tracking tracking =
        new Tracking(
            r.bool("tracking.enabled"),
            r.optionalString("tracking.uri"),
            r.optionalString("tracking.experiment-name").orElse(experimentName));
    if (tracking.enabled() && tracking.uri().isEmpty()) {
      r.problem("tracking.uri", "required when tracking.enabled = true");
    }
    return tracking;
  }
}
