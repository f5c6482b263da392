/**
 * TRAK attribution of a concept probe's predictions to the base model's training images (§2.2 of
 * the paper; the maths in {@code shared/design/TRAK.md}).
 *
 * <p>The seams follow the reference implementation's: the output function (the signed probe margin
 * of a {@link io.conceptrace.core.trak.ConceptModel}, "subnetwork + probe"), {@link
 * io.conceptrace.core.trak.PerExampleGradients} (exact, batched through expanded weights; the
 * batch-of-1 loop is only the test oracle and benchmark baseline), {@link
 * io.conceptrace.core.trak.Projector} (seeded Gaussian or Rademacher, generated in blocks), {@link
 * io.conceptrace.core.trak.FeatureStore} (memory-mapped float32 features), {@link
 * io.conceptrace.core.trak.Kernel} (float64 Gram matrix, blocked Cholesky) and the driver {@link
 * io.conceptrace.core.trak.Trak}, whose results {@link io.conceptrace.core.trak.TrakOutputs} writes
 * as {@code scores.npy}, {@code importance.npy}, {@code ranking.csv}, {@code top-k.txt} and {@code
 * bottom-k.txt}.
 *
 * <p>Typical use for one (concept, layer, sparsity) over an ensemble of M base models:
 *
 * <pre>{@code
 * ConceptModel m0 = new ConceptModel("model-0", new NetworkSubnetwork(net0, "layer3"),
 *     ProbeHead.of(probe0.probe(), Pooling.FLAT));
 * BatchSource train = BatchSource.of(baseTrain, BatchEncoder.evaluation(normalization));
 * BatchSource targets = BatchSource.of(conceptTest, BatchEncoder.evaluation(normalization));
 * boolean[] yTrain = Trak.pseudoLabels(m0, train, 256, manager);     // designated probe
 * boolean[] yTargets = Trak.pseudoLabels(m0, targets, 256, manager);
 * try (Trak trak = new Trak(TrakSpec.defaults(2048), workDir, manager, train.size(), targets.size())) {
 *   for (int m = 0; m < M; m++) {
 *     trak.addModel(m, models.get(m), train, yTrain, targets, yTargets);
 *   }
 *   TrakOutputs.write(outDir, trak.finish(), ids, classNames, 100);
 * }
 * }</pre>
 *
 * <p>Targets: the paper averages over the concept test set (its balanced positives and negatives),
 * labelled by the designated probe; any other set (e.g. the base validation set) works the same.
 *
 * <p>Defaults ({@link io.conceptrace.core.trak.TrakSpec#defaults}) are a study's defaults: Gaussian
 * projection, no ridge, and the {@link io.conceptrace.core.trak.EnsembleMode#TRAKER} ensemble (the
 * reference's 1/mean|K| rescaling); {@code PLAIN} is the TRAK paper's estimator, Rademacher
 * projections are cheaper to generate on a CPU with the same guarantee, and a positive ridge
 * (relative to the mean diagonal of ΦᵀΦ) is needed when there are fewer training images than
 * features.
 *
 * <p>Gradients are recorded with {@link io.conceptrace.core.nn.Autograd}, whose scope is confined
 * to the calling thread (DJL's {@code GradientCollector} allows one per process), so featurization
 * may run beside training in the same JVM.
 *
 * <p>Estimators ({@link io.conceptrace.core.trak.AttributionMethod}): TRAK, the gradient dot
 * product (TracIn on the final model), the gradient cosine and a random floor share the gradients
 * and the projection. Every run also reports its {@link io.conceptrace.core.trak.Stability}: the
 * importance recomputed from a second, independently seeded projection of the same gradients, and
 * from the ensemble's two halves.
 */
package io.conceptrace.core.trak;
