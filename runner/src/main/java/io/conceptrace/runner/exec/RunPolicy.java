package io.conceptrace.runner.exec;

/**
 * What to do when a cell fails.
 *
 * @param keepGoing true: run every cell that does not depend on a failure ({@code --keep-going});
 *     false: launch nothing more after the first failure and wait for running cells to end
 */
public record RunPolicy(boolean keepGoing) {}
