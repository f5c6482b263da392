package io.conceptrace.dsl;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import io.conceptrace.dsl.script.ScriptBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The one way a list-valued key is read, so that every list reports the same things the same way: a
 * value that is not a list, a bad element (at the element's own FILE:LINE), a repeated element and,
 * where the caller asks, an empty list. {@code null} is an empty list ("not set").
 */
final class ListReader {
  /** What a list key may hold besides a list. */
  enum Form {
    /** Only a list. */
    LIST,
    /** A list, or one element written alone ({@code method = trak}). */
    LIST_OR_SCALAR,
    /** A list, or a Kotlin block returning one ({@code sizes { kotlin = """...""" }}). */
    LIST_OR_SCRIPT
  }

  /**
   * One element of a list key.
   *
   * @param value the element unwrapped (a computed list's element as its block returned it)
   * @param written the element as HOCON writes it, for messages that quote it
   * @param at where it was written; a computed list's elements are at its block
   * @param index its 0-based place in the list
   */
  record Element(Object value, String written, SourcePosition at, int index) {}

  /** Turns one element into a typed value. */
  @FunctionalInterface
  interface ElementBinder<T> {
    /**
     * The element as a T, or empty after telling {@code problem} why it is refused (the problem is
     * recorded at the element's position under the list's key).
     */
    Optional<T> bind(Element element, Consumer<String> problem);
  }

  /**
   * A list key as read.
   *
   * @param items the accepted elements in the file's order
   * @param script the Kotlin block that computes the list, when the file wrote one
   * @param known whether the elements are known (false: a block this load does not evaluate)
   * @param at where the list (or its block) was written
   */
  record Read<T>(List<T> items, Optional<ScriptBlock> script, boolean known, SourcePosition at) {
    Read {
      items = List.copyOf(items);
    }

    /** The block, when it was not evaluated (the experiment carries it for later). */
    Optional<ScriptBlock> unevaluated() {
      return known ? Optional.empty() : script;
    }
  }

  private final ConfigReader r;
  private final Blocks blocks;

  ListReader(ConfigReader r, Blocks blocks) {
    this.r = r;
    this.blocks = blocks;
  }

  /**
   * Reads a list whose elements may repeat.
   *
   * @param what the elements, for the message when the value is not a list ("layer names")
   */
  <T> Read<T> read(String path, Form form, String what, ElementBinder<T> element) {
    return read(path, form, what, element, Optional.empty());
  }

  /**
   * Reads a list in which a repeated element is a problem ({@code named(x) + " is listed twice"}).
   */
  <T> Read<T> readDistinct(
      String path, Form form, String what, ElementBinder<T> element, Function<T, String> named) {
    return read(path, form, what, element, Optional.of(named));
  }

  /** The empty-list rule: a known list with no element, and no problem of its own, is one. */
  void requireNonEmpty(Read<?> list, String path, String message) {
    if (list.known() && list.items().isEmpty() && !r.hasProblem(path)) {
      r.problemAt(list.at(), path, message);
    }
  }

  private <T> Read<T> read(
      String path,
      Form form,
      String what,
      ElementBinder<T> binder,
      Optional<Function<T, String>> duplicates) {
    SourcePosition at = r.position(path);
    List<Element> elements = new ArrayList<>();
    Optional<ScriptBlock> script = Optional.empty();
    if (!r.isNull(path)) {
      ConfigValue v = r.config().getValue(path);
      if (v instanceof ConfigList list) {
        for (int i = 0; i < list.size(); i++) {
          elements.add(fileElement(list.get(i), i, at));
        }
      } else if (form == Form.LIST_OR_SCRIPT && v instanceof ConfigObject obj) {
        // Its keys other than kotlin were reported by the key check.
        if (obj.containsKey("kotlin")) {
          script = r.script(path + ".kotlin");
        }
      } else if (form == Form.LIST_OR_SCALAR && !(v instanceof ConfigObject)) {
        elements.add(fileElement(v, 0, at));
      } else {
        String or = form == Form.LIST_OR_SCRIPT ? " (or { kotlin = \"\"\"...\"\"\" })" : "";
        r.problem(path, "must be a list of " + what + or + ", got " + r.describe(path));
      }
    }
    if (script.isPresent()) {
      at = script.get().position();
      List<Object> computed = blocks.evaluateList(r, script.get()).orElse(List.of());
      for (int i = 0; i < computed.size(); i++) {
        Object o = computed.get(i);
        elements.add(new Element(o, String.valueOf(o), at, i));
      }
    }
    List<T> items = new ArrayList<>();
    for (Element e : elements) {
      Optional<T> bound = binder.bind(e, message -> r.problemAt(e.at(), path, message));
      if (bound.isEmpty()) {
        continue;
      }
      if (duplicates.isPresent() && items.contains(bound.get())) {
        r.problemAt(e.at(), path, duplicates.get().apply(bound.get()) + " is listed twice");
        continue;
      }
      items.add(bound.get());
    }
    return new Read<>(items, script, script.isEmpty() || blocks.evaluated(), at);
  }

  /** An element written in a file; one of the bundled defaults is shown at the list's key. */
  private static Element fileElement(ConfigValue v, int index, SourcePosition listAt) {
    SourcePosition at = ConfigReader.position(v);
    if (at.file().equals("defaults")) {
      at = listAt;
    }
    return new Element(v.unwrapped(), v.render(), at, index);
  }
}
