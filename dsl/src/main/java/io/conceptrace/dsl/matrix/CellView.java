package io.conceptrace.dsl.matrix;

/**
 * What a matrix filter ({@code matrix.exclude}) sees of a cell, as {@code cell}. Getters follow the
 * JavaBeans convention so Kotlin reads them as properties: {@code cell.layer}, {@code
 * cell.sparsity}. A coordinate the cell's stage does not have is null.
 */
public final class CellView {
  private final String stage;
  private final String concept;
  private final String layer;
  private final Integer sparsity;
  private final Integer k;
  private final String arm;
  private final Integer seedIndex;

  public CellView(
      String stage,
      String concept,
      String layer,
      Integer sparsity,
      Integer k,
      String arm,
      Integer seedIndex) {
    this.stage = stage;
    this.concept = concept;
    this.layer = layer;
    this.sparsity = sparsity;
    this.k = k;
    this.arm = arm;
    this.seedIndex = seedIndex;
  }

  /** {@code train-base}, {@code probe}, {@code attribute}, {@code prune-set}, ... */
  public String getStage() {
    return stage;
  }

  public String getConcept() {
    return concept;
  }

  public String getLayer() {
    return layer;
  }

  /** The probe's k; null for a dense probe (and for cells without a probe). */
  public Integer getSparsity() {
    return sparsity;
  }

  /** The number of images a prune set removes. */
  public Integer getK() {
    return k;
  }

  /** {@code top}, {@code random} or {@code bottom}. */
  public String getArm() {
    return arm;
  }

  /** Index of the (base or retrained) ensemble member. */
  public Integer getSeedIndex() {
    return seedIndex;
  }

  /** True when the cell probes densely (a probe-bearing cell with no sparsity). */
  public boolean isDense() {
    return layer != null && sparsity == null;
  }

  @Override
  public String toString() {
    return "CellView[stage="
        + stage
        + ", concept="
        + concept
        + ", layer="
        + layer
        + ", sparsity="
        + sparsity
        + ", k="
        + k
        + ", arm="
        + arm
        + ", seedIndex="
        + seedIndex
        + "]";
  }
}
