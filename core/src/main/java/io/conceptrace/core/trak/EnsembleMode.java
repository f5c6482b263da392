package io.conceptrace.core.trak;

/** How the per-model kernels enter the ensemble average. */
public enum EnsembleMode {
  /**
   * S_m = Φ_m K_m Φ_targetsᵀ as in the TRAK paper: models are weighted equally by construction. The
   * default, because it is the estimator the method defines and its scores keep their meaning (a
   * change of output margin per unit of training weight) whatever the number of models.
   */
  PLAIN,
  /**
   * The reference implementation ({@code traker} 0.3.2): each K_m is divided by mean|K_m| before
   * use. That normaliser exists there to keep fp16 products finite; it rescales every model by its
   * own arbitrary factor. Offered so that our scores can be compared with the reference's.
   */
  TRAKER
}
