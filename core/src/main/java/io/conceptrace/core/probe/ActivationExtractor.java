package io.conceptrace.core.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Example;
import io.conceptrace.core.data.ImageDataset;
import io.conceptrace.core.io.Npy;
import io.conceptrace.core.nn.FunctionalOps;
import io.conceptrace.core.nn.LayerCatalog;
import io.conceptrace.core.nn.LayerInfo;
import io.conceptrace.core.nn.Mode;
import io.conceptrace.core.nn.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A named layer's output for images, as probe features: the network runs in {@link Mode#EVAL}
 * (batch norm uses its running statistics, nothing is updated) up to the layer, and each example's
 * {@code [C, H, W]} output is flattened (C-major, the paper's setting) or averaged over positions
 * ({@link Pooling#AVG}). Work is batched, each batch in its own sub-manager.
 *
 * <p>Two ways to feed a probe: {@link #extract}/{@link #cached} compute the activations once (the
 * cache file is the runner's, keyed by base model, layer and concept split, so a sparsity grid
 * reuses them); {@link #source} recomputes them through the frozen subnetwork on every request, so
 * that an augmenting {@link BatchEncoder} gives each probe batch freshly augmented images.
 */
public final class ActivationExtractor {
  private final Network network;
  private final String layer;
  private final Pooling pooling;
  private final BatchEncoder encoder;
  private final int batchSize;
  private final int features;

  /**
   * @param encoder the base model's preprocessing (plus augmentation for {@link #source})
   * @param batchSize images per forward pass
   */
  public ActivationExtractor(
      Network network, String layer, Pooling pooling, BatchEncoder encoder, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    LayerInfo info =
        LayerCatalog.find(network.spec(), layer)
            .orElseThrow(
                () ->
                    new BadInputException(
                        "unknown layer '"
                            + layer
                            + "' for "
                            + network.spec().name()
                            + "; known: "
                            + String.join(", ", LayerCatalog.names(network.spec()))));
    this.network = network;
    this.layer = layer;
    this.pooling = pooling;
    this.encoder = encoder;
    this.batchSize = batchSize;
    int[] shape = info.shape();
    long f = 1;
    for (int s : pooling == Pooling.AVG ? Arrays.copyOf(shape, 1) : shape) {
      f *= s;
    }
    if (f > Integer.MAX_VALUE - 8) {
      throw new BadInputException(
          "layer " + layer + " has " + f + " features, too many for one probe weight vector");
    }
    this.features = (int) f;
  }

  public String layer() {
    return layer;
  }

  public Pooling pooling() {
    return pooling;
  }

  /** Features per example: C·H·W flat, C pooled. */
  public int features() {
    return features;
  }

  /** The features of a batch of examples, {@code [B, features()]} in {@code manager}. */
  public NDArray activations(List<Example> examples, NDManager manager) {
    NDArray x = encoder.encode(examples, manager);
    NDArray out = network.forwardTo(x, layer, Mode.EVAL);
    if (pooling == Pooling.AVG && out.getShape().dimension() == 4) {
      out = FunctionalOps.globalAvgPool(out);
    }
    NDArray flat = out.reshape(examples.size(), -1);
    flat.attach(manager);
    if (flat.getShape().get(1) != features) {
      throw new IllegalStateException(
          "layer " + layer + " gave " + flat.getShape() + ", the catalogue says " + features);
    }
    return flat;
  }

  /** All examples' activations, computed now. */
  public CachedActivations extract(ImageDataset data) {
    float[][] rows = new float[data.size()][];
    try (NDManager scratch = network.manager().newSubManager()) {
      forEachBatch(
          data,
          (start, batch) -> {
            try (NDManager tmp = scratch.newSubManager()) {
              float[][] part = toRows(activations(batch, tmp));
              System.arraycopy(part, 0, rows, start, part.length);
            }
          });
    }
    return CachedActivations.of(rows);
  }

  private float[][] toRows(NDArray batch) {
    float[] flat = batch.toFloatArray();
    int b = flat.length / features;
    float[][] out = new float[b][features];
    for (int i = 0; i < b; i++) {
      System.arraycopy(flat, i * features, out[i], 0, features);
    }
    return out;
  }

  /**
   * Streams all examples' activations into a float32 {@code [N, D]} {@code .npy} file without
   * holding the matrix: written to a temporary file in the same folder, then moved into place, so a
   * crash never leaves a partial file under {@code file}'s name.
   */
  public void extractTo(ImageDataset data, Path file) {
    Path dir = file.toAbsolutePath().getParent();
    Path tmpFile;
    try {
      Files.createDirectories(dir);
      tmpFile = Files.createTempFile(dir, file.getFileName().toString(), ".part");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    NDManager scratch = network.manager().newSubManager();
    try (scratch;
        Npy.FloatWriter writer = Npy.openFloat32(tmpFile, data.size(), features)) {
      forEachBatch(
          data,
          (start, batch) -> {
            try (NDManager tmp = scratch.newSubManager()) {
              float[] values = activations(batch, tmp).toFloatArray();
              writer.write(values, 0, values.length);
            }
          });
    } catch (RuntimeException e) {
      deleteQuietly(tmpFile);
      throw e;
    }
    try {
      Files.move(
          tmpFile, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmpFile);
      throw new UncheckedIOException("cannot move activations into " + file, e);
    }
  }

  /**
   * The activations of {@code data}, read from {@code file} when it exists (written earlier by this
   * method or {@link #extractTo}), otherwise extracted into it first.
   *
   * @throws BadInputException if the file exists but holds another shape than this layer and data
   *     set give (a stale cache: delete it to recompute)
   */
  public CachedActivations cached(ImageDataset data, Path file) {
    if (Files.exists(file)) {
      long[] shape = Npy.readHeader(file).shape();
      if (shape.length != 2 || shape[0] != data.size() || shape[1] != features) {
        throw new BadInputException(
            file
                + ": cached activations have shape "
                + Arrays.toString(shape)
                + " but "
                + data.name()
                + " at "
                + layer
                + " needs ["
                + data.size()
                + ", "
                + features
                + "]; delete the file to recompute");
      }
    } else {
      extractTo(data, file);
    }
    return CachedActivations.load(file);
  }

  /**
   * Activations computed on request: every {@link ActivationSource#rows} call reads the examples,
   * encodes them with this extractor's encoder (augmenting, if it does) and runs the frozen
   * subnetwork.
   */
  public ActivationSource source(ImageDataset data) {
    return new ActivationSource() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public int features() {
        return features;
      }

      @Override
      public float[][] rows(int[] rows) {
        List<Example> batch = new ArrayList<>(rows.length);
        for (int r : rows) {
          batch.add(data.get(r));
        }
        try (NDManager tmp = network.manager().newSubManager()) {
          return toRows(activations(batch, tmp));
        }
      }
    };
  }

  private interface BatchAction {
    void accept(int start, List<Example> batch);
  }

  private void forEachBatch(ImageDataset data, BatchAction action) {
    for (int start = 0; start < data.size(); start += batchSize) {
      int end = Math.min(data.size(), start + batchSize);
      List<Example> batch = new ArrayList<>(end - start);
      for (int i = start; i < end; i++) {
        batch.add(data.get(i));
      }
      action.accept(start, batch);
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // The temporary file is left behind; the real output was never created.
    }
  }
}
