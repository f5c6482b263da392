package io.conceptrace.dsl.script;

import io.conceptrace.core.BadInputException;
import io.conceptrace.dsl.Problem;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A Kotlin block did not compile or failed when run. Each problem points into the experiment file
 * ({@code FILE:LINE:COL: key.path: message}), not into the generated script.
 */
public final class ScriptException extends BadInputException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  public ScriptException(List<Problem> problems) {
    super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public ScriptException(Problem problem, Throwable cause) {
    super(problem.toString(), cause);
    this.problems = List.of(problem);
  }

  public List<Problem> problems() {
    return problems;
  }
}
