package io.conceptrace.runner.stages;

import ai.djl.pytorch.jni.JniUtils;
import io.conceptrace.runner.exec.CellContext;
import io.conceptrace.runner.exec.StageRunner;
import io.conceptrace.runner.exec.SummaryRow;
import io.conceptrace.store.StoredCell;
import java.util.List;

/**
 * Runs a stage with PyTorch's gradient recording switched off on the worker thread. Grad mode is
 * thread-local in PyTorch and on by default in every new thread, while DJL code assumes it off (DJL
 * switches it off only on the thread that loads the engine). On a fresh worker thread it would be
 * on: in-place parameter updates then fail ("a leaf Variable that requires grad is being used in an
 * in-place operation") and inference would build autograd graphs. Code that needs gradients
 * switches them on in its own scope ({@code core.nn.Autograd}).
 */
record GradModeOff(StageRunner stage) implements StageRunner {
  @Override
  public StoredCell run(CellContext ctx) throws Exception {
    boolean before = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return stage.run(ctx);
    } finally {
      JniUtils.setGradMode(before);
    }
  }

  @Override
  public List<SummaryRow> summarize(List<StoredCell> cells) {
    return stage.summarize(cells);
  }
}
