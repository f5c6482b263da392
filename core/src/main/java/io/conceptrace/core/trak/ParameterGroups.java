package io.conceptrace.core.trak;

import io.conceptrace.core.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which parameters θ are attributed: {@code all} (every parameter up to the layer, plus the probe),
 * {@code probe-only}, or groups joined by {@code +}, each {@code probe} or a module name such as
 * {@code layer3}, {@code layer2.1} or {@code bn1} (that module's parameters), e.g. {@code
 * layer3+probe}.
 *
 * @param spec the text as given
 * @param all every subnetwork parameter
 * @param modules module prefixes (empty with {@code all})
 * @param probe whether w and b are included
 */
public record ParameterGroups(String spec, boolean all, List<String> modules, boolean probe) {
  public static final ParameterGroups ALL = parse("all");

  public ParameterGroups {
    modules = List.copyOf(modules);
  }

  public static ParameterGroups parse(String spec) {
    String text = spec.trim().toLowerCase(Locale.ROOT);
    if (text.equals("all")) {
      return new ParameterGroups(text, true, List.of(), true);
    }
    if (text.equals("probe-only")) {
      return new ParameterGroups(text, false, List.of(), true);
    }
    Set<String> modules = new LinkedHashSet<>();
    boolean probe = false;
    for (String part : text.split("\\+")) {
      String p = part.trim();
      if (p.isEmpty()) {
        throw new BadInputException("parameter groups '" + spec + "': empty group");
      }
      if (p.equals("probe")) {
        probe = true;
      } else {
        modules.add(p);
      }
    }
    return new ParameterGroups(text, false, new ArrayList<>(modules), probe);
  }

  /**
   * The selected subnetwork parameter names, in the subnetwork's order.
   *
   * @throws BadInputException if a module group matches no parameter, or nothing is selected
   */
  public List<String> select(Set<String> parameterNames) {
    List<String> out = new ArrayList<>();
    for (String name : parameterNames) {
      if (all || modules.stream().anyMatch(m -> name.startsWith(m + "."))) {
        out.add(name);
      }
    }
    for (String m : modules) {
      if (parameterNames.stream().noneMatch(n -> n.startsWith(m + "."))) {
        Set<String> tops = new LinkedHashSet<>();
        parameterNames.forEach(
            n -> tops.add(n.substring(0, n.indexOf('.') < 0 ? n.length() : n.indexOf('.'))));
        throw new BadInputException(
            "parameter groups '"
                + spec
                + "': '"
                + m
                + "' matches no parameter up to the probed layer; modules there: "
                + (tops.isEmpty()
                    ? "(none: only 'probe-only' is possible)"
                    : String.join(", ", tops))
                + ", probe");
      }
    }
    if (out.isEmpty() && !probe) {
      throw new BadInputException("parameter groups '" + spec + "' select no parameter");
    }
    return out;
  }
}
