package io.conceptrace.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The rule that keeps the autograd use-after-free fixed: no class of core calls one of DJL's {@code
 * NDArray.op(Number)} overloads whose backward pass reads the scalar operand (see {@link Scalars}
 * for why that corrupts gradients when the garbage collector runs at the wrong moment). Overloads
 * whose gradient never reads the operand (add, sub) and comparisons (no gradient) stay allowed.
 * Reads the compiled classes, so it also catches calls hidden behind helper methods of core.
 */
class ScalarOperandRuleTest {
  /** Gradient independent of the operand, or no gradient at all. */
  private static final Set<String> SAFE =
      Set.of("add", "addi", "sub", "subi", "rsub", "rsubi", "eq", "neq", "gt", "gte", "lt", "lte");

  private static final String NDARRAY = NDArray.class.getName().replace('.', '/');

  @Test
  void coreNeverCallsAnOperandSavingNumberOverloadOfDjl() throws IOException {
    Set<String> banned = bannedDescriptors();
    assertThat(banned).contains("mul(Ljava/lang/Number;)", "maximum(Ljava/lang/Number;)");
    Path classes = Path.of("target/classes");
    assertThat(classes).isDirectory();
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        try (InputStream in = Files.newInputStream(f)) {
          scan(new ClassReader(in), banned, violations);
        }
      }
    }
    assertThat(violations)
        .as("calls that save a Java-memory scalar for backward; use io.conceptrace.core.nn.Scalars")
        .isEmpty();
  }

  /** Every {@code NDArray.op(Number)} whose name is not in {@link #SAFE}, as name + descriptor. */
  private static Set<String> bannedDescriptors() {
    Set<String> out = new TreeSet<>();
    for (Method m : NDArray.class.getMethods()) {
      if (Arrays.equals(m.getParameterTypes(), new Class<?>[] {Number.class})
          && !SAFE.contains(m.getName())) {
        out.add(m.getName() + "(Ljava/lang/Number;)");
      }
    }
    return out;
  }

  private static void scan(ClassReader reader, Set<String> banned, List<String> violations) {
    String owner = reader.getClassName();
    reader.accept(
        new ClassVisitor(Opcodes.ASM9) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String desc, String signature, String[] exceptions) {
            String where = owner + "." + name;
            return new MethodVisitor(Opcodes.ASM9) {
              @Override
              public void visitMethodInsn(
                  int opcode, String calleeOwner, String callee, String calleeDesc, boolean itf) {
                String key = callee + calleeDesc.substring(0, calleeDesc.indexOf(')') + 1);
                if (calleeOwner.startsWith("ai/djl/") && banned.contains(key)) {
                  violations.add(where + " calls " + calleeOwner + "." + key);
                }
              }
            };
          }
        },
        ClassReader.SKIP_DEBUG);
  }
}
