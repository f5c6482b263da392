package io.conceptrace.dsl.script;

import io.conceptrace.dsl.Problem;
import io.conceptrace.dsl.SourcePosition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Refuses, before it runs, a compiled Kotlin block that could end the process, start processes or
 * threads, read or write files, use the network or reflect: every class and member its bytecode
 * references must be on an allow-list (the Kotlin standard library without {@code kotlin.io},
 * {@code kotlin.system}, {@code kotlin.concurrent} and {@code kotlin.reflect}; the pure parts of
 * {@code java.lang}, {@code java.util}, {@code java.math}, {@code java.text} and {@code java.time};
 * {@code ImageView} and {@code CellView}; the block's own classes).
 *
 * <p>An allow-list of what the bytecode references, not a deny-list of dangerous calls: a call the
 * list does not know is refused, so a new JDK method cannot slip through. It replaces the {@code
 * SecurityManager}, which Java 17 deprecates for removal. The check reads instructions, so each
 * refusal has the line of the block that makes it.
 */
final class ScriptPolicy {
  private ScriptPolicy() {}

  /** Package prefixes (internal names) whose every class is allowed, unless denied below. */
  private static final List<String> ALLOWED_PACKAGES =
      List.of(
          "kotlin/",
          "java/util/",
          "java/math/",
          "java/text/",
          "java/time/",
          "java/nio/charset/",
          "java/lang/invoke/LambdaMetafactory",
          "java/lang/invoke/StringConcatFactory");

  /** Prefixes inside the allowed packages that are refused (files, processes, threads, ...). */
  private static final List<String> DENIED_PREFIXES =
      List.of(
          "kotlin/io/",
          "kotlin/system/",
          "kotlin/concurrent/",
          "kotlin/reflect/",
          "kotlin/script/",
          "kotlin/jvm/internal/Reflection",
          "kotlin/jvm/internal/ClassReference",
          "kotlin/jvm/JvmClassMappingKt",
          "java/util/concurrent/",
          "java/util/zip/",
          "java/util/jar/",
          "java/util/logging/",
          "java/util/prefs/",
          "java/util/spi/",
          "java/util/ServiceLoader",
          "java/util/Timer",
          "java/util/Scanner",
          "java/util/Formatter", // new Formatter("name") writes a file
          "java/util/ResourceBundle");

  /** Exceptions to the denials: console output and atomic counters do no harm. */
  private static final List<String> REALLOWED_PREFIXES =
      List.of("kotlin/io/ConsoleKt", "java/util/concurrent/atomic/", "kotlin/system/TimingKt");

  /** Classes of {@code java.lang} that compute and nothing else. */
  private static final Set<String> ALLOWED_JAVA_LANG =
      Set.of(
          "Object",
          "String",
          "StringBuilder",
          "StringBuffer",
          "CharSequence",
          "Comparable",
          "Iterable",
          "Appendable",
          "AutoCloseable",
          "Cloneable",
          "Runnable",
          "Enum",
          "Record",
          "Number",
          "Integer",
          "Long",
          "Short",
          "Byte",
          "Double",
          "Float",
          "Boolean",
          "Character",
          "Void",
          "Math",
          "StrictMath",
          "Throwable",
          "Exception",
          "RuntimeException",
          "Error",
          "AssertionError",
          "ArithmeticException",
          "ArrayIndexOutOfBoundsException",
          "ClassCastException",
          "IllegalArgumentException",
          "IllegalStateException",
          "IndexOutOfBoundsException",
          "NullPointerException",
          "NumberFormatException",
          "StringIndexOutOfBoundsException",
          "UnsupportedOperationException");

  /** Members of classes that are otherwise refused. */
  private static final Set<String> ALLOWED_MEMBERS =
      Set.of(
          "java/lang/System.currentTimeMillis",
          "java/lang/System.nanoTime",
          "java/lang/System.arraycopy",
          "java/lang/System.identityHashCode",
          "java/lang/System.lineSeparator",
          // println and print: Kotlin inlines them to System.out.println.
          "java/lang/System.out",
          "java/lang/System.err",
          "java/io/PrintStream.println",
          "java/io/PrintStream.print",
          "java/lang/Class.getName",
          "java/lang/Class.getSimpleName",
          "java/lang/Class.isInstance",
          "java/lang/Class.desiredAssertionStatus");

  /** The application classes a block may call. */
  private static final Set<String> ALLOWED_CLASSES =
      Set.of(
          "io/conceptrace/core/concept/ImageView",
          "io/conceptrace/dsl/matrix/CellView",
          "java/io/Serializable");

  /**
   * Every refused reference in the block's classes, each at the line of the experiment file that
   * makes it (the block's own position when the line is unknown, e.g. inlined library code).
   *
   * @param classes the compiled classes' bytes
   */
  static List<Problem> check(Collection<byte[]> classes, ScriptBlock block, ScriptKind kind) {
    Set<String> own = new HashSet<>();
    for (byte[] c : classes) {
      own.add(new ClassReader(c).getClassName());
    }
    Set<Problem> problems = new LinkedHashSet<>();
    for (byte[] c : classes) {
      new ClassReader(c).accept(new Inspector(own, block, kind, problems), ClassReader.SKIP_FRAMES);
    }
    return List.copyOf(problems);
  }

  /** Why {@code owner.member} is refused, or empty when it is allowed. */
  static Optional<String> refused(String owner, String member, Set<String> own) {
    String type = elementType(owner);
    if (type == null || own.contains(type) || ALLOWED_CLASSES.contains(type)) {
      return Optional.empty();
    }
    if (ALLOWED_MEMBERS.contains(type + "." + member)) {
      return Optional.empty();
    }
    String shown = type.replace('/', '.') + (member.isEmpty() ? "" : "." + member);
    if (type.startsWith("java/lang/") && type.indexOf('/', "java/lang/".length()) < 0) {
      return ALLOWED_JAVA_LANG.contains(type.substring("java/lang/".length()))
          ? Optional.empty()
          : Optional.of(shown);
    }
    boolean allowed = ALLOWED_PACKAGES.stream().anyMatch(type::startsWith);
    boolean denied = DENIED_PREFIXES.stream().anyMatch(type::startsWith);
    boolean reallowed = REALLOWED_PREFIXES.stream().anyMatch(type::startsWith);
    if (type.startsWith("kotlin/io/ConsoleKt") && !member.startsWith("print")) {
      reallowed = false; // println, not readLine
    }
    return allowed && (!denied || reallowed) ? Optional.empty() : Optional.of(shown);
  }

  /** The class of an internal name or array descriptor; null for primitive arrays. */
  private static String elementType(String owner) {
    if (!owner.startsWith("[")) {
      return owner;
    }
    Type t = Type.getType(owner).getElementType();
    return t.getSort() == Type.OBJECT ? t.getInternalName() : null;
  }

  private static final class Inspector extends ClassVisitor {
    private final Set<String> own;
    private final ScriptBlock block;
    private final ScriptKind kind;
    private final Set<Problem> problems;

    Inspector(Set<String> own, ScriptBlock block, ScriptKind kind, Set<Problem> problems) {
      super(Opcodes.ASM9);
      this.own = own;
      this.block = block;
      this.kind = kind;
      this.problems = problems;
    }

    @Override
    public void visit(
        int version,
        int access,
        String name,
        String signature,
        String superName,
        String[] interfaces) {
      // A subclass of Thread or ClassLoader calls their methods through its own name.
      List<String> supers = new ArrayList<>();
      if (superName != null) {
        supers.add(superName);
      }
      supers.addAll(List.of(interfaces == null ? new String[0] : interfaces));
      for (String s : supers) {
        refused(s, "", own).ifPresent(r -> report(0, r));
      }
    }

    @Override
    public MethodVisitor visitMethod(
        int access, String name, String descriptor, String signature, String[] exceptions) {
      // The compiler gives every script class a main(String[]) that runs the script through the
      // scripting runtime; that one call is the compiler's, not the block's.
      boolean generatedMain =
          name.equals("main")
              && descriptor.equals("([Ljava/lang/String;)V")
              && (access & Opcodes.ACC_STATIC) != 0;
      return new MethodVisitor(Opcodes.ASM9) {
        private int line;

        @Override
        public void visitLineNumber(int lineNumber, org.objectweb.asm.Label start) {
          line = lineNumber;
        }

        @Override
        public void visitMethodInsn(
            int opcode, String owner, String member, String desc, boolean isInterface) {
          if (generatedMain
              && owner.equals("kotlin/script/experimental/jvm/RunnerKt")
              && member.equals("runCompiledScript")) {
            return;
          }
          refused(owner, member, own).ifPresent(r -> report(line, r));
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String member, String desc) {
          refused(owner, member, own).ifPresent(r -> report(line, r));
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
          refused(type, "", own).ifPresent(r -> report(line, r));
        }

        @Override
        public void visitMultiANewArrayInsn(String desc, int dims) {
          refused(desc, "", own).ifPresent(r -> report(line, r));
        }

        @Override
        public void visitLdcInsn(Object value) {
          if (value instanceof Type t && t.getSort() == Type.OBJECT) {
            refused(t.getInternalName(), "", own).ifPresent(r -> report(line, r));
          } else if (value instanceof Handle h) {
            refused(h.getOwner(), h.getName(), own).ifPresent(r -> report(line, r));
          }
        }

        @Override
        public void visitInvokeDynamicInsn(
            String member, String desc, Handle bootstrap, Object... arguments) {
          refused(bootstrap.getOwner(), "", own).ifPresent(r -> report(line, r));
          for (Object a : arguments) {
            if (a instanceof Handle h) {
              refused(h.getOwner(), h.getName(), own).ifPresent(r -> report(line, r));
            }
          }
        }
      };
    }

    private void report(int generatedLine, String what) {
      SourcePosition p = block.position();
      int userLines = (int) Math.max(1, block.source().lines().count());
      int userLine = generatedLine - kind.prefixLines();
      SourcePosition at =
          userLine >= 1 && userLine <= userLines
              ? new SourcePosition(p.file(), p.line() + userLine - 1, 0)
              : new SourcePosition(p.file(), p.line(), 0);
      if (problems.stream().anyMatch(q -> q.position().equals(at))) {
        return; // the first refused reference of a line says enough
      }
      problems.add(
          new Problem(
              at,
              block.path(),
              "the Kotlin block uses "
                  + what
                  + "; blocks may not end the process, start processes or threads, use files,"
                  + " the network or reflection (set scripts.allow-unsafe = true to allow it)"));
    }
  }
}
