package io.conceptrace.dsl;

import io.conceptrace.core.BadInputException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An experiment file has problems. Carries every problem found; the message is their lines, one per
 * problem (the CLI prints them without a stack trace and exits with code 2).
 */
public final class ExperimentException extends BadInputException {
  private static final long serialVersionUID = 1L;

  private final transient List<Problem> problems;

  public ExperimentException(List<Problem> problems) {
    super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
