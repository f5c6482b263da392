package io.conceptrace.core.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a dataset into batches, decoding, augmenting and normalising on background threads while
 * the caller computes (prefetch). Batches arrive in a fixed order; the shuffle and every random
 * augmentation decision derive from (seed, epoch, position), so results do not depend on thread
 * timing or the number of workers.
 *
 * <p>Errors in a worker (e.g. a corrupt image) surface on the consumer's {@code next()} with their
 * original message.
 */
public final class BatchLoader implements AutoCloseable {
  /**
   * @param batchSize examples per batch
   * @param shuffle reshuffle every epoch (training) or keep dataset order (evaluation)
   * @param dropLast leave out a final partial batch
   * @param augmentation random augmentation ({@link Augmentation#none()} for evaluation)
   * @param normalization per-channel standardisation
   * @param workers background threads (≥ 1)
   * @param prefetch batches decoded ahead of the consumer (≥ 1)
   * @param seed shuffle and augmentation seed
   */
  public record Options(
      int batchSize,
      boolean shuffle,
      boolean dropLast,
      Augmentation augmentation,
      Normalization normalization,
      int workers,
      int prefetch,
      long seed) {
    public Options {
      if (batchSize < 1 || workers < 1 || prefetch < 1) {
        throw new IllegalArgumentException("batch size, workers and prefetch must be >= 1");
      }
    }

    /** In-order, unaugmented batches (evaluation, feature extraction). */
    public static Options evaluation(int batchSize, Normalization normalization) {
      return new Options(batchSize, false, false, Augmentation.none(), normalization, 2, 4, 0);
    }
  }

  private static final AtomicInteger THREADS = new AtomicInteger();

  private final ImageDataset data;
  private final Options options;
  private final ExecutorService pool;

  public BatchLoader(ImageDataset data, Options options) {
    if (options.normalization().channels() != data.channels()) {
      throw new IllegalArgumentException(
          "normalisation has "
              + options.normalization().channels()
              + " channels, data has "
              + data.channels());
    }
    this.data = data;
    this.options = options;
    this.pool =
        Executors.newFixedThreadPool(
            options.workers(),
            r -> {
              Thread t = new Thread(r, "ctrace-loader-" + THREADS.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  public ImageDataset data() {
    return data;
  }

  public int batchesPerEpoch() {
    int n = data.size();
    int b = options.batchSize();
    return options.dropLast() ? n / b : (n + b - 1) / b;
  }

  /** The dataset indices of one epoch, in visiting order. */
  public int[] order(int epoch) {
    int[] idx = new int[data.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    if (options.shuffle()) {
      SplittableRandom r = new SplittableRandom(mix(options.seed(), epoch, -1));
      for (int i = idx.length - 1; i > 0; i--) {
        int j = r.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  /**
   * The batches of one epoch. Close the iterator's epoch early by simply dropping it; pending work
   * is cancelled when the next epoch starts or the loader closes.
   */
  public Iterator<HostBatch> epoch(int epoch) {
    return epoch(epoch, data.imageSize());
  }

  /**
   * The batches of one epoch with images of {@code resolution}² pixels (progressive resolution):
   * each augmented image is resized to it (a random-resized crop window straight from the source).
   */
  public Iterator<HostBatch> epoch(int epoch, int resolution) {
    if (resolution < 1) {
      throw new IllegalArgumentException("resolution must be >= 1, got " + resolution);
    }
    int[] order = order(epoch);
    int batches = batchesPerEpoch();
    return new Iterator<>() {
      private final ArrayDeque<Future<HostBatch>> pending = new ArrayDeque<>();
      private int submitted;
      private int delivered;

      private void fill() {
        while (submitted < batches && pending.size() < options.prefetch()) {
          int k = submitted++;
          pending.add(pool.submit(() -> assemble(order, k, epoch, resolution)));
        }
      }

      @Override
      public boolean hasNext() {
        return delivered < batches;
      }

      @Override
      public HostBatch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        fill();
        Future<HostBatch> f = pending.poll();
        delivered++;
        fill();
        try {
          return f.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof RuntimeException re) {
            throw re;
          }
          throw new IllegalStateException(e.getCause());
        }
      }
    };
  }

  /** Decodes, augments and normalises batch {@code k} of an epoch (runs on a worker thread). */
  HostBatch assemble(int[] order, int k, int epoch) {
    return assemble(order, k, epoch, data.imageSize());
  }

  /** {@link #assemble(int[], int, int)} with images resized to {@code resolution}². */
  HostBatch assemble(int[] order, int k, int epoch, int resolution) {
    int b = options.batchSize();
    int from = k * b;
    int to = Math.min(order.length, from + b);
    int n = to - from;
    int c = data.channels();
    int size = data.imageSize();
    int plane = resolution * resolution;
    int per = c * plane;
    int sourcePer = c * size * size;
    float[] pixels = new float[n * per];
    float[] scratch = new float[sourcePer];
    float[] source = resolution == size ? null : new float[sourcePer];
    int[] labels = new int[n];
    int[] indices = new int[n];
    List<String> ids = new ArrayList<>(n);
    Augmentation aug = options.augmentation();
    for (int i = 0; i < n; i++) {
      int index = order[from + i];
      Example ex = data.get(index);
      ImageTensor img = ex.image();
      if (img.channels() != c || img.height() != size || img.width() != size) {
        throw new IllegalStateException(
            ex.id()
                + " is "
                + img.channels()
                + "x"
                + img.height()
                + "x"
                + img.width()
                + ", dataset says "
                + c
                + "x"
                + size
                + "x"
                + size);
      }
      if (source == null) {
        img.copyTo(pixels, i * per);
        if (!aug.isNone()) {
          aug.apply(
              pixels,
              i * per,
              c,
              size,
              scratch,
              new SplittableRandom(mix(options.seed(), epoch, index)));
        }
      } else {
        img.copyTo(source, 0);
        aug.apply(
            source,
            0,
            c,
            size,
            pixels,
            i * per,
            resolution,
            scratch,
            new SplittableRandom(mix(options.seed(), epoch, index)));
      }
      options.normalization().apply(pixels, i * per, plane);
      labels[i] = ex.label();
      indices[i] = index;
      ids.add(ex.id());
    }
    return new HostBatch(pixels, labels, indices, ids, c, resolution);
  }

  private static long mix(long seed, int epoch, int index) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    return h;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
