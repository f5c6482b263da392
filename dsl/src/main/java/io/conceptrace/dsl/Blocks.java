package io.conceptrace.dsl;

import io.conceptrace.dsl.script.KotlinScriptHost;
import io.conceptrace.dsl.script.ScriptBlock;
import io.conceptrace.dsl.script.ScriptException;
import io.conceptrace.dsl.script.ScriptKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Kotlin blocks of one load: compiled and evaluated when the loader has a script host, left
 * alone under {@code --no-scripts} (the experiment then carries the unevaluated blocks). A block's
 * problems are recorded like any other key's.
 */
final class Blocks {
  private final Optional<KotlinScriptHost> host;

  Blocks(Optional<KotlinScriptHost> host) {
    this.host = host;
  }

  /** Whether blocks are evaluated in this load (false: {@code --no-scripts}). */
  boolean evaluated() {
    return host.isPresent();
  }

  /** Compiles a block as the given kind, recording its compile errors. */
  void compile(ConfigReader r, ScriptBlock block, ScriptKind kind) {
    if (host.isEmpty()) {
      return;
    }
    try {
      host.get().check(block, kind);
    } catch (ScriptException e) {
      r.problems().addAll(e.problems());
    }
  }

  /** The list a block computes; empty without a host or after a recorded problem. */
  Optional<List<Object>> evaluateList(ConfigReader r, ScriptBlock block) {
    if (host.isEmpty()) {
      return Optional.empty();
    }
    try {
      Object v = host.get().value(block);
      if (v instanceof List<?> list) {
        List<Object> out = new ArrayList<>();
        for (Object o : list) {
          out.add(o instanceof Character ch ? ch.toString() : o);
        }
        return Optional.of(out);
      }
      r.problemAt(
          block.position(),
          block.path(),
          "the Kotlin block must return a list, got "
              + (v == null ? "null" : v.getClass().getSimpleName() + " " + v));
    } catch (ScriptException e) {
      r.problems().addAll(e.problems());
    }
    return Optional.empty();
  }
}
