package io.conceptrace.core.train;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.conceptrace.core.BadInputException;
import io.conceptrace.core.data.Normalization;
import io.conceptrace.core.nn.Network;
import io.conceptrace.core.nn.NetworkFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A trained base model: the network (use {@link io.conceptrace.core.nn.Mode#EVAL} from here on),
 * the input normalisation every later stage must apply, and the per-epoch history. Owns the
 * network: closing this closes it.
 *
 * <p>{@link #save} writes a checkpoint directory: {@value #WEIGHTS} (+ {@code .json} sidecar, see
 * {@link NetworkFiles#writeNpz}) and {@value #METADATA} (normalisation and history).
 */
public record TrainedModel(
    Network network, Normalization normalization, List<EpochMetrics> history, TrainSpec spec)
    implements AutoCloseable {
  public static final String WEIGHTS = "model.npz";
  public static final String METADATA = "training.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The metadata file's content. */
  record Metadata(Normalization normalization, List<EpochMetrics> history) {}

  /** The last epoch's metrics. */
  public EpochMetrics last() {
    return history.get(history.size() - 1);
  }

  /** Writes the checkpoint into {@code dir} (created if needed). */
  public void save(Path dir) {
    new Checkpoint(network, normalization, history).save(dir);
  }

  /**
   * A checkpoint: network, normalisation and history (empty for a model imported from elsewhere,
   * which was not trained here).
   */
  public record Checkpoint(Network network, Normalization normalization, List<EpochMetrics> history)
      implements AutoCloseable {
    /** Writes it into {@code dir} (created if needed), as {@link #load} reads it. */
    public void save(Path dir) {
      try {
        Files.createDirectories(dir);
        NetworkFiles.writeNpz(network, dir.resolve(WEIGHTS));
        JSON.writerWithDefaultPrettyPrinter()
            .writeValue(dir.resolve(METADATA).toFile(), new Metadata(normalization, history));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write checkpoint to " + dir, e);
      }
    }

    @Override
    public void close() {
      network.close();
    }
  }

  /**
   * Reads a checkpoint directory written by {@link #save}.
   *
   * @throws BadInputException if a file is missing or malformed
   */
  public static Checkpoint load(Path dir, NDManager manager) {
    Path meta = dir.resolve(METADATA);
    Metadata m;
    try {
      m = JSON.readValue(meta.toFile(), Metadata.class);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(
          "cannot read checkpoint metadata " + meta + ": " + e.getMessage(), e);
    }
    return new Checkpoint(
        NetworkFiles.readNpz(dir.resolve(WEIGHTS), manager), m.normalization(), m.history());
  }

  @Override
  public void close() {
    network.close();
  }
}
