package io.conceptrace.core.trak;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file per checkpoint, {@code model-MMMM.ckpt}: everything an attribution has accumulated after
 * models 0..MMMM (the score sum τ, Σ Q, and per model Q_m, the mean scores and its report),
 * followed by the SHA-256 of all the bytes before it. Written under a temporary name, synced, and
 * renamed into place, so a kill leaves either the whole file or a {@code .part} that is never read;
 * a file whose checksum or identity (the {@code key}: settings, inputs and software) does not match
 * is deleted and the models it held are computed again. Only the newest valid checkpoint is kept.
 */
final class TrakCheckpoint {
  private static final Logger LOG = LoggerFactory.getLogger(TrakCheckpoint.class);
  // Version 2 records the featurization time split; a version-1 checkpoint is not resumed.
  private static final long MAGIC = 0x43545241_4B434B32L; // "CTRAKCK2"
  private static final int DIGEST_BYTES = 32;
  private static final Pattern NAME = Pattern.compile("model-(\\d{4,})\\.ckpt");
  private static final int IO_BUFFER = 1 << 16;

  private TrakCheckpoint() {}

  /** A model's contribution besides the score sum. */
  record Model(
      double[] q,
      double[] meanScore,
      double[] replicaMeanScore,
      double[] firstHalf,
      double[] secondHalf,
      Trak.ModelReport report) {}

  /** The accumulated state after {@code models().size()} models (τ is streamed separately). */
  record State(
      String key,
      int trainSize,
      int targetSize,
      long replicaCpuNanos,
      double[] qSum,
      List<Model> models) {}

  /** Where the checkpoint after model {@code index} (0-based) lives. */
  static Path file(Path area, int index) {
    return area.resolve(String.format(java.util.Locale.ROOT, "model-%04d.ckpt", index));
  }

  /**
   * Writes the checkpoint after model {@code models().size() − 1} and deletes older ones.
   *
   * @param tau the score sum, n × n_targets
   */
  static Path write(Path area, State state, FeatureStore tau, long readBlockBytes) {
    int index = state.models().size() - 1;
    Path target = file(area, index);
    Path part = area.resolve("." + target.getFileName() + ".part");
    try {
      Files.createDirectories(area);
      MessageDigest sha = sha256();
      try (FileChannel ch =
          FileChannel.open(
              part,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        OutputStream raw = Channels.newOutputStream(ch);
        DigestOutputStream digesting =
            new DigestOutputStream(new BufferedOutputStream(raw, IO_BUFFER), sha);
        DataOutputStream out = new DataOutputStream(digesting);
        writeState(out, state);
        int block = tau.rowsPerBlock(readBlockBytes);
        for (long start = 0; start < state.trainSize(); start += block) {
          int count = (int) Math.min(block, state.trainSize() - start);
          float[] rows = tau.readRows(start, count);
          ByteBuffer bytes = ByteBuffer.allocate(rows.length * Float.BYTES);
          bytes.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(rows);
          out.write(bytes.array());
        }
        out.flush();
        digesting.on(false);
        out.write(sha.digest());
        out.flush();
        ch.force(true);
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(area);
      for (Path old : checkpoints(area)) {
        if (index(old) < index) {
          Files.deleteIfExists(old);
        }
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint " + target, e);
    }
  }

  /**
   * The newest checkpoint in {@code area} whose checksum and key match, its τ copied into {@code
   * tau}; every checkpoint found invalid on the way is deleted (and logged). Empty when none is
   * valid.
   */
  static Optional<State> readLatest(
      Path area, String key, int trainSize, int targetSize, FeatureStore tau) {
    if (!Files.isDirectory(area)) {
      return Optional.empty();
    }
    try {
      try (Stream<Path> files = Files.list(area)) {
        for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".part")).toList()) {
          Files.deleteIfExists(p); // a write that was interrupted
        }
      }
      List<Path> found = new ArrayList<>(checkpoints(area));
      found.sort(Comparator.comparingInt(TrakCheckpoint::index).reversed());
      for (Path p : found) {
        Optional<String> problem = checksumProblem(p);
        if (problem.isEmpty()) {
          Optional<State> state = read(p, key, trainSize, targetSize, tau);
          if (state.isPresent() && state.get().models().size() == index(p) + 1) {
            return state;
          }
          problem = Optional.of("it was written for other settings, inputs or software");
        }
        LOG.warn("ignoring the attribution checkpoint {}: {}", p, problem.get());
        Files.deleteIfExists(p);
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoints in " + area, e);
    }
  }

  /** Why the file's trailing SHA-256 does not vouch for it; empty if it does. */
  static Optional<String> checksumProblem(Path p) throws IOException {
    long size = Files.size(p);
    if (size < Long.BYTES + DIGEST_BYTES) {
      return Optional.of("it is truncated (" + size + " bytes)");
    }
    MessageDigest sha = sha256();
    byte[] recorded = new byte[DIGEST_BYTES];
    try (InputStream in = new BufferedInputStream(Files.newInputStream(p), IO_BUFFER)) {
      byte[] buf = new byte[IO_BUFFER];
      long left = size - DIGEST_BYTES;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new EOFException(p.toString());
        }
        sha.update(buf, 0, n);
        left -= n;
      }
      new DataInputStream(in).readFully(recorded);
    }
    return Arrays.equals(sha.digest(), recorded)
        ? Optional.empty()
        : Optional.of("its SHA-256 does not match its contents");
  }

  private static Optional<State> read(
      Path p, String key, int trainSize, int targetSize, FeatureStore tau) throws IOException {
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(p), IO_BUFFER))) {
      if (in.readLong() != MAGIC || !in.readUTF().equals(key)) {
        return Optional.empty();
      }
      int n = in.readInt();
      int t = in.readInt();
      if (n != trainSize || t != targetSize) {
        return Optional.empty();
      }
      long replicaCpuNanos = in.readLong();
      double[] qSum = doubles(in, n);
      int count = in.readInt();
      List<Model> models = new ArrayList<>(count);
      for (int m = 0; m < count; m++) {
        double[] q = doubles(in, n);
        double[] mean = doubles(in, n);
        double[] replica = doubles(in, n);
        boolean halves = in.readBoolean();
        double[] first = halves ? doubles(in, n) : null;
        double[] second = halves ? doubles(in, n) : null;
        Trak.ModelReport r =
            new Trak.ModelReport(
                in.readInt(),
                in.readLong(),
                in.readInt(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble(),
                in.readDouble());
        models.add(new Model(q, mean, replica, first, second, r));
      }
      int block = tau.rowsPerBlock(64L << 20);
      for (long start = 0; start < n; start += block) {
        int rows = (int) Math.min(block, n - start);
        byte[] bytes = new byte[rows * t * Float.BYTES];
        in.readFully(bytes);
        float[] values = new float[rows * t];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        tau.writeRows(start, values, rows);
      }
      return Optional.of(new State(key, n, t, replicaCpuNanos, qSum, List.copyOf(models)));
    }
  }

  private static void writeState(DataOutputStream out, State s) throws IOException {
    out.writeLong(MAGIC);
    out.writeUTF(s.key());
    out.writeInt(s.trainSize());
    out.writeInt(s.targetSize());
    out.writeLong(s.replicaCpuNanos());
    writeDoubles(out, s.qSum());
    out.writeInt(s.models().size());
    for (Model m : s.models()) {
      writeDoubles(out, m.q());
      writeDoubles(out, m.meanScore());
      writeDoubles(out, m.replicaMeanScore());
      boolean halves = m.firstHalf() != null;
      out.writeBoolean(halves);
      if (halves) {
        writeDoubles(out, m.firstHalf());
        writeDoubles(out, m.secondHalf());
      }
      Trak.ModelReport r = m.report();
      out.writeInt(r.index());
      out.writeLong(r.parameters());
      out.writeInt(r.features());
      out.writeDouble(r.lambda());
      out.writeDouble(r.meanAbsKernel());
      out.writeDouble(r.featurizeSeconds());
      out.writeDouble(r.gradientSeconds());
      out.writeDouble(r.projectionGenerationSeconds());
      out.writeDouble(r.projectionMultiplySeconds());
      out.writeDouble(r.trainImagesPerSecond());
      out.writeDouble(r.kernelSeconds());
      out.writeDouble(r.scoreSeconds());
    }
  }

  /** Doubles as their exact bits: a restored sum continues as if it had never been written. */
  private static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES);
    bytes.asDoubleBuffer().put(values);
    out.write(bytes.array());
  }

  private static double[] doubles(DataInputStream in, int n) throws IOException {
    byte[] bytes = new byte[n * Double.BYTES];
    in.readFully(bytes);
    double[] out = new double[n];
    ByteBuffer.wrap(bytes).asDoubleBuffer().get(out);
    return out;
  }

  private static List<Path> checkpoints(Path area) throws IOException {
    try (Stream<Path> files = Files.list(area)) {
      return files.filter(f -> NAME.matcher(f.getFileName().toString()).matches()).toList();
    }
  }

  private static int index(Path checkpoint) {
    Matcher m = NAME.matcher(checkpoint.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a checkpoint: " + checkpoint);
    }
    return Integer.parseInt(m.group(1));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void syncDirectory(Path dir) {
    // Linux lets a directory be opened read-only and fsync'ed; elsewhere this is best effort.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // not supported on this platform
    }
  }
}
