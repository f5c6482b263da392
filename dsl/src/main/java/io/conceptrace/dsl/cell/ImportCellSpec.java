package io.conceptrace.dsl.cell;

import io.conceptrace.core.nn.ArchitectureSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code import-base}: one base model of {@code architecture} read from a safetensors file trained
 * elsewhere ({@code model.checkpoints}), instead of a {@code train-base} cell. The cell checks the
 * file (names, shapes, dtype, finite values), evaluates it on {@code data}'s validation split and
 * stores it as a trained base model, so that every later stage reads it as it reads ours.
 *
 * @param file where the file is, for display and for reading; not part of the canonical form (a
 *     moved file is the same model)
 * @param sha256 the file's content hash when the experiment was loaded: the cell's identity, and
 *     checked again when the cell runs
 */
public record ImportCellSpec(
    DataSpec data, ArchitectureSpec architecture, Path file, String sha256, long seed)
    implements CellSpec {

  @Override
  public Map<String, Object> canonical() {
    Map<String, Object> s = new TreeMap<>();
    s.put("data", data.canonical());
    s.put("model", Canonical.model(architecture));
    s.put("checkpoint-sha256", sha256);
    return Canonical.cell(s, seed);
  }
}
