package io.conceptrace.dsl;

import io.conceptrace.core.nn.ArchitectureSpec;
import io.conceptrace.dsl.script.ScriptBlock;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A whole study, typed and validated: what {@link ExperimentLoader} makes of an experiment file.
 * Every record is immutable; optional settings are {@link Optional}s, never null. The keys and
 * their meaning are documented in {@code defaults.conf} (a resource of this package) and {@code
 * experiments/README.md}.
 *
 * @param file the experiment file as given by the user
 * @param name {@code experiment.name}
 * @param seed {@code experiment.seed}, the root of every derived seed
 * @param description {@code experiment.description}
 * @param exclude {@code matrix.exclude}, the Kotlin filter over cells
 * @param evaluate {@code evaluate}: measurements of the attributions beyond their own cells
 */
public record Experiment(
    Path file,
    String name,
    long seed,
    String description,
    Data data,
    Model model,
    Training training,
    Map<String, Concept> concepts,
    Probes probes,
    Attribution attribution,
    Prune prune,
    Optional<ScriptBlock> exclude,
    Tracking tracking,
    Execution execution,
    Evaluate evaluate) {

  public Experiment {
    concepts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(concepts));
  }

  /** The network the base models use. */
  public ArchitectureSpec architecture() {
    return new ArchitectureSpec(
        model.arch(),
        model.width(),
        model.stem() == Stem.SMALL,
        data.channels(),
        data.imageSize(),
        data.classes());
  }

  /** Data sources; the train and validation splits come from the same kind of source. */
  public record Data(
      String source, int classes, int imageSize, int channels, Split train, Split val) {}

  /**
   * One split of the data.
   *
   * @param path directory (not needed by {@code synthetic})
   * @param perClass synthetic: images generated per class; others: cap per class
   * @param fraction fraction of each class kept (seeded)
   * @param sizeHint image-folder: expected number of images after {@code fraction}
   * @param size the number of images when it is known without reading the data
   */
  public record Split(
      Optional<Path> path,
      OptionalInt perClass,
      double fraction,
      OptionalInt sizeHint,
      OptionalInt size) {}

  public enum Stem {
    SMALL,
    STANDARD
  }

  /**
   * {@code model.*}.
   *
   * @param checkpoints {@code model.checkpoints}: the first {@code training.ensemble} safetensors
   *     files the base models are imported from instead of trained; empty: the base models are
   *     trained
   */
  public record Model(String arch, double width, Stem stem, List<Checkpoint> checkpoints) {
    public Model {
      checkpoints = List.copyOf(checkpoints);
    }

    /** Whether the base models are imported ({@code import-base}) rather than trained. */
    public boolean imported() {
      return !checkpoints.isEmpty();
    }
  }

  /**
   * A base model trained elsewhere: a safetensors file with torchvision's parameter names.
   *
   * @param file the file, resolved against the directory of the experiment file that names it
   * @param sha256 the file's content hash (64 hex digits), read when the experiment is loaded: what
   *     enters the cell id (a moved file keeps its cells, an edited one does not)
   */
  public record Checkpoint(Path file, String sha256) {}

  public enum OptimizerName {
    SGD,
    ADAM
  }

  public record Optimizer(OptimizerName name, double lr, double momentum, boolean nesterov) {}

  public enum ScheduleKind {
    CONSTANT,
    STEP,
    TRIANGULAR,
    COSINE
  }

  public record Schedule(
      ScheduleKind kind, int peakEpoch, double startFactor, int stepEvery, double stepFactor) {}

  public enum Crop {
    NONE,
    PAD_CROP,
    RANDOM_RESIZED
  }

  public record Augmentation(boolean flip, Crop crop, int cropPadding) {}

  public record ProgressiveResolution(
      boolean enabled, int minSize, int maxSize, int startEpoch, int endEpoch) {}

  /** How base models (and retrained models) are trained. */
  public record Training(
      int ensemble,
      int epochs,
      int batchSize,
      Optimizer optimizer,
      Schedule schedule,
      double weightDecay,
      boolean weightDecayBatchnorm,
      double labelSmoothing,
      Augmentation augmentation,
      ProgressiveResolution progressiveResolution) {}

  public enum ConceptKind {
    CLASSES,
    PREDICATE,
    FOLDER,
    RELATIVE,
    ACTIVATION
  }

  /** The network whose neurons define an activation concept ({@code concepts.<name>.reference}). */
  public sealed interface Reference {
    /** How {@code plan} and the report name the reference. */
    String label();

    /** {@code reference = "train-base[i]"}: base model {@code member} of this study. */
    record BaseModel(int member) implements Reference {
      @Override
      public String label() {
        return "train-base[" + member + "]";
      }
    }

    /**
     * {@code reference { torchscript = PATH, layer-output = NAME }}: an exported module whose
     * output is the feature map of the layer it is named after.
     *
     * @param file the module, resolved like every file an experiment names ({@link WrittenPath})
     * @param sha256 the file's content hash (hex), empty when the file is not there (plan and
     *     validate work without it; {@code ctrace run} refuses)
     */
    record TorchScript(Path file, String layerOutput, Optional<String> sha256)
        implements Reference {
      @Override
      public String label() {
        return "TorchScript " + file;
      }
    }

    /**
     * {@code reference { checkpoint = PATH }}: a network of the study's architecture ({@code
     * model.*}) trained elsewhere, a safetensors file with torchvision's parameter names (as {@code
     * model.checkpoints} reads them), whose catalogued {@code layer} defines the concept.
     *
     * @param file the safetensors file, resolved like every file an experiment names ({@link
     *     WrittenPath})
     * @param sha256 the file's content hash (hex), empty when the file is not there (plan and
     *     validate work without it; {@code ctrace run} refuses)
     */
    record Checkpoint(Path file, ArchitectureSpec architecture, Optional<String> sha256)
        implements Reference {
      @Override
      public String label() {
        return "checkpoint " + file;
      }
    }
  }

  /**
   * An activation concept's definition (Appendix D): the top {@code fraction} of the training
   * images by the chosen channels' activation at {@code layer} of {@code reference}.
   *
   * @param layer the reference's layer: a catalogued layer of a base model, or a TorchScript
   *     module's {@code layer-output}
   */
  public record Activation(
      Reference reference,
      String layer,
      List<Integer> channels,
      io.conceptrace.core.concept.ActivationConcept.Combine combine,
      double fraction) {
    public Activation {
      channels = List.copyOf(channels);
    }
  }

  /**
   * One named concept. Which fields matter depends on {@code kind}.
   *
   * @param classIds resolved class ids (classes kind); empty when {@code classesScript} has not
   *     been evaluated ({@code --no-scripts})
   * @param classNames the names as written in the file (ids as strings where ids were written)
   * @param classesScript the Kotlin block computing the classes, if the list was computed
   * @param script predicate kind: the Kotlin block over {@code image}
   * @param threshold predicate kind: score threshold when the script returns a number
   * @param activation activation kind: its reference model, layer, channels and fraction
   */
  public record Concept(
      String name,
      ConceptKind kind,
      List<Integer> classIds,
      List<String> classNames,
      Optional<ScriptBlock> classesScript,
      Optional<ScriptBlock> script,
      OptionalDouble threshold,
      Optional<Path> positives,
      Optional<Path> testPositives,
      double testFraction,
      Optional<String> a,
      Optional<String> b,
      OptionalInt maxPositives,
      OptionalInt probeEpochs,
      Optional<Activation> activation) {}

  public enum Activations {
    FLAT,
    POOLED
  }

  /**
   * A probe sparsity: dense, or k non-zero entries.
   *
   * @param k the number of non-zero CAV entries; 0 means dense
   */
  public record Sparsity(int k) implements Comparable<Sparsity> {
    public static final Sparsity DENSE = new Sparsity(0);

    public boolean dense() {
      return k == 0;
    }

    /** {@code dense} or the number, as written in experiment files and cell coordinates. */
    public String label() {
      return dense() ? "dense" : Integer.toString(k);
    }

    @Override
    public int compareTo(Sparsity o) {
      // dense after every k, the way the paper's figures put it.
      return Integer.compare(dense() ? Integer.MAX_VALUE : k, o.dense() ? Integer.MAX_VALUE : o.k);
    }

    @Override
    public String toString() {
      return label();
    }
  }

  /**
   * Probe settings.
   *
   * @param layersScript set when {@code layers} is computed by Kotlin and was not evaluated
   * @param sparsityScript set when {@code sparsity} is computed by Kotlin and was not evaluated
   */
  public record Probes(
      List<String> layers,
      Optional<ScriptBlock> layersScript,
      List<Sparsity> sparsity,
      Optional<ScriptBlock> sparsityScript,
      int epochs,
      int batchSize,
      Optimizer optimizer,
      double weightDecay,
      boolean augmentation,
      Activations activations) {
    /** Epochs for one concept (its {@code probe-epochs} override, or {@link #epochs()}). */
    public int epochsFor(Concept concept) {
      return concept.probeEpochs().orElse(epochs);
    }
  }

  public enum Targets {
    CONCEPT_TEST,
    /** The concept test set's positives only: importance for the concept's positive predictions. */
    CONCEPT_POSITIVES,
    VAL
  }

  public enum Projection {
    GAUSSIAN,
    RADEMACHER,
    SPARSE_JL
  }

  public enum KernelMode {
    REFERENCE,
    PLAIN
  }

  /** Who labels the targets for attribution (the output function's sign). */
  public enum TargetLabels {
    /** The designated probe's predictions (pseudo-labels, the paper's §2.2). */
    PROBE,
    /** The concept set's own labels (only for the concept test set). */
    CONCEPT
  }

  /**
   * Attribution settings.
   *
   * @param methods the estimators, each with attribute cells of its own (trak, grad-dot, grad-cos,
   *     random); with more than one, attribute and prune cells carry a {@code method} coordinate
   * @param projections independent projections per model whose scores are averaged
   */
  public record Attribution(
      List<String> methods,
      int projectionDim,
      int projections,
      Projection projection,
      double lambda,
      Targets targets,
      TargetLabels targetLabels,
      int pseudoLabels,
      List<String> parameterGroups,
      KernelMode kernelMode,
      int batchSize) {
    public static final List<String> METHODS = List.of("trak", "grad-dot", "grad-cos", "random");

    public Attribution {
      methods = List.copyOf(methods);
    }

    /** Whether cells need a {@code method} coordinate to tell the methods apart. */
    public boolean severalMethods() {
      return methods.size() > 1;
    }
  }

  public enum Arm {
    TOP,
    RANDOM,
    BOTTOM
  }

  /**
   * Prune-and-retrain settings.
   *
   * @param sizesScript set when {@code sizes} is computed by Kotlin and was not evaluated
   * @param concepts the concepts pruned for (all when the file leaves the list empty)
   */
  public record Prune(
      List<Integer> sizes,
      Optional<ScriptBlock> sizesScript,
      List<Arm> arms,
      Optional<String> layer,
      List<Sparsity> sparsity,
      List<String> concepts,
      int retrainEnsemble) {}

  /**
   * {@code evaluate}: how the attributions are checked against retrained models.
   *
   * @param lds the linear datamodeling score
   */
  public record Evaluate(Lds lds) {}

  /**
   * {@code evaluate.lds}: base models trained on seeded random subsets of the training set, each
   * with the study's training recipe, and the concept probes trained on them, against which every
   * attribution's predictions are scored.
   *
   * @param subsets N, the number of subsets; 0: no LDS cells
   * @param fraction α, the share of the training images in each subset
   */
  public record Lds(int subsets, double fraction) {
    public boolean enabled() {
      return subsets > 0;
    }
  }

  public record Tracking(boolean enabled, Optional<String> uri, String experimentName) {}

  /**
   * Where and how the matrix runs.
   *
   * @param executor {@code local} or {@code slurm}
   * @param slurm the Slurm job settings (used when the executor is {@code slurm})
   */
  public record Execution(
      String device, int jobs, int threads, Path store, String executor, Slurm slurm) {
    /** Local execution with default Slurm settings. */
    public Execution(String device, int jobs, int threads, Path store, String executor) {
      this(device, jobs, threads, store, executor, Slurm.DEFAULTS);
    }
  }

  /**
   * {@code execution.slurm}: the resources of each cell's Slurm job.
   *
   * @param partition {@code --partition} (empty: the cluster's default)
   * @param account {@code --account} (empty: the user's default)
   * @param time {@code --time} in Slurm's format (empty: the partition's default)
   * @param cpusPerTask {@code --cpus-per-task}, also the job's intra-op threads
   * @param mem {@code --mem} in Slurm's format (empty: the partition's default)
   * @param gpusPerTask GPUs per job, requested as {@code --gres=gpu:N}
   * @param extraArgs further sbatch options, verbatim
   */
  public record Slurm(
      Optional<String> partition,
      Optional<String> account,
      Optional<String> time,
      int cpusPerTask,
      Optional<String> mem,
      int gpusPerTask,
      List<String> extraArgs) {
    public static final Slurm DEFAULTS =
        new Slurm(
            Optional.empty(),
            Optional.empty(),
            Optional.empty(),
            1,
            Optional.empty(),
            0,
            List.of());

    public Slurm {
      extraArgs = List.copyOf(extraArgs);
    }
  }
}
