package io.conceptrace.mlflow;

import io.conceptrace.store.Metric;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code runs/log-batch} request's content, within MLflow's limits: at most {@value
 * #MAX_PARAMS} params, {@value #MAX_TAGS} tags and {@value #MAX_ITEMS} items in all.
 */
public record LogBatch(Map<String, String> params, Map<String, String> tags, List<Metric> metrics) {
  public static final int MAX_PARAMS = 100;
  public static final int MAX_TAGS = 100;
  public static final int MAX_ITEMS = 1000;

  public LogBatch {
    params = Map.copyOf(params);
    tags = Map.copyOf(tags);
    metrics = List.copyOf(metrics);
  }

  public int size() {
    return params.size() + tags.size() + metrics.size();
  }

  /**
   * Splits everything into as few batches as the limits allow, keeping metrics in their order (so a
   * metric's history arrives step by step). Empty input gives no batches.
   */
  public static List<LogBatch> plan(
      Map<String, String> params, Map<String, String> tags, List<Metric> metrics) {
    List<Map.Entry<String, String>> p = new ArrayList<>(params.entrySet());
    List<Map.Entry<String, String>> t = new ArrayList<>(tags.entrySet());
    List<LogBatch> out = new ArrayList<>();
    int pi = 0;
    int ti = 0;
    int mi = 0;
    while (pi < p.size() || ti < t.size() || mi < metrics.size()) {
      Map<String, String> bp = new LinkedHashMap<>();
      Map<String, String> bt = new LinkedHashMap<>();
      while (pi < p.size() && bp.size() < MAX_PARAMS) {
        bp.put(p.get(pi).getKey(), p.get(pi).getValue());
        pi++;
      }
      while (ti < t.size() && bt.size() < MAX_TAGS) {
        bt.put(t.get(ti).getKey(), t.get(ti).getValue());
        ti++;
      }
      int room = MAX_ITEMS - bp.size() - bt.size();
      int end = Math.min(metrics.size(), mi + room);
      out.add(new LogBatch(bp, bt, metrics.subList(mi, end)));
      mi = end;
    }
    return out;
  }
}
