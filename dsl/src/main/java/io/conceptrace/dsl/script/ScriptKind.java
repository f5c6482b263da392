package io.conceptrace.dsl.script;

/**
 * The three uses of Kotlin blocks. Each wraps the user's text in a small generated script whose
 * value is either a function (compiled and evaluated once, then called per image or per cell) or a
 * plain value.
 */
public enum ScriptKind {
  /** A concept predicate: {@code image} is an {@code ImageView} whose methods are in scope. */
  PREDICATE(
      "import io.conceptrace.core.concept.ImageView\n"
          + "val ctracePredicate: (ImageView) -> Any? = { image: ImageView -> with(image) {\n",
      "\n} }\nctracePredicate\n"),
  /** A computed value, e.g. a list for a grid. */
  VALUE("val ctraceValue: Any? = run {\n", "\n}\nctraceValue\n"),
  /** A matrix filter: {@code cell} is a {@code CellView}; true excludes the cell. */
  FILTER(
      "import io.conceptrace.dsl.matrix.CellView\n"
          + "val ctraceFilter: (CellView) -> Any? = { cell: CellView ->\n",
      "\n}\nctraceFilter\n");

  private final String prefix;
  private final String suffix;

  ScriptKind(String prefix, String suffix) {
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /** The generated script around the user's text. */
  public String wrap(String source) {
    return prefix + source + suffix;
  }

  /** Lines of generated text before the user's first line. */
  public int prefixLines() {
    return (int) prefix.chars().filter(c -> c == '\n').count();
  }
}
