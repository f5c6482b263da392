package io.conceptrace.runner.exec.slurm;

import com.fasterxml.jackson.core.type.TypeReference;
import io.conceptrace.store.Json;
import io.conceptrace.store.RunStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jobs submitted for one experiment, kept in the run store next to the results ({@code
 * STORE/EXPERIMENT/.slurm/jobs.json}, oldest first) so that {@code ctrace status}, {@code ctrace
 * cancel} and a resumed {@code ctrace run} know which cells are in the queue. Only the submitting
 * process writes it; it is replaced atomically, so readers never see half a file.
 */
public final class JobLedger {
  static final String DIR = ".slurm";
  private static final TypeReference<List<SubmittedJob>> LIST = new TypeReference<>() {};

  private final Path dir;

  public JobLedger(RunStore store, String experiment) {
    this.dir = store.root().resolve(experiment).resolve(DIR);
  }

  /** {@code STORE/EXPERIMENT/.slurm}: the ledger, job scripts ({@code scripts/}), logs. */
  public Path directory() {
    return dir;
  }

  public Path file() {
    return dir.resolve("jobs.json");
  }

  public Path scripts() {
    return dir.resolve("scripts");
  }

  public Path logs() {
    return dir.resolve("logs");
  }

  /** Every recorded job, oldest first; empty when nothing was ever submitted. */
  public List<SubmittedJob> jobs() {
    Path f = file();
    if (!Files.isRegularFile(f)) {
      return List.of();
    }
    try {
      return List.copyOf(Json.mapper().readValue(f.toFile(), LIST));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Slurm job ledger " + f, e);
    }
  }

  /** The most recent job of each cell, by cell id. */
  public Map<String, SubmittedJob> latestByCell() {
    Map<String, SubmittedJob> out = new LinkedHashMap<>();
    for (SubmittedJob j : jobs()) {
      if (j.isCell()) {
        out.put(j.cellId(), j);
      }
    }
    return out;
  }

  /** Appends jobs and rewrites the file atomically. */
  public void append(List<SubmittedJob> added) {
    if (added.isEmpty()) {
      return;
    }
    List<SubmittedJob> all = new ArrayList<>(jobs());
    all.addAll(added);
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "jobs", ".json.tmp");
      Json.mapper().writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), all);
      Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Slurm job ledger " + file(), e);
    }
  }
}
