package com.modelpress.testfaults;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java agent of {@link TestFaults}, loaded into the engine's child JVM with {@code -javaagent}. Before the child's
 * {@code main} runs it reads the child's task (the file named by the last command-line argument, as the sandbox
 * protocol starts the child) and, if the task's metadata asks for a fault, rewrites {@code ModelCompressor.compress}
 * so that its first instruction calls {@link #inject}. A task without the entry leaves every class as it is.
 *
 * <p>Plain JDK: the class-file API for the rewrite, a pattern for the one metadata entry (the system class loader loads
 * the agent, and in a worker started from its Spring Boot jar that loader does not see the JSON library). A rewrite that finds no {@code compress} to
 * patch halts the child, so that a renamed engine method fails the fault tests instead of silently passing them.
 */
public final class FaultAgent {

    static final String ENGINE = "com/modelpress/engine/ModelCompressor";
    static final String COMPRESS = "compress";
    /** {@code compress(Path input, Path output, CompressionMethod method, ProgressListener progress)}. */
    static final String COMPRESS_DESCRIPTOR = "(Ljava/nio/file/Path;Ljava/nio/file/Path;"
            + "Lcom/modelpress/engine/CompressionMethod;Lcom/modelpress/engine/ProgressListener;)"
            + "Lcom/modelpress/contracts/FidelityReport;";
    /** The slot of {@code progress} in {@code compress}: after {@code this} and three references. */
    static final int PROGRESS_SLOT = 4;
    static final int EXIT_NOT_PATCHED = 97;

    private static final Pattern FAULT_ENTRY = Pattern.compile("\"" + Pattern.quote(TestFaults.METADATA_KEY)
            + "\"\\s*:\\s*\"([^\"]*)\"");

    private static volatile String fault;

    private FaultAgent() {
    }

    public static void premain(String arguments, Instrumentation instrumentation) throws IOException {
        List<String> command = ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        if (command.isEmpty()) {
            return;
        }
        Path task = Path.of(command.getLast());
        if (!Files.isRegularFile(task)) {
            return;
        }
        Matcher entry = FAULT_ENTRY.matcher(Files.readString(task));
        if (entry.find()) {
            fault = entry.group(1);
            instrumentation.addTransformer(new EngineEntry());
        }
    }

    /**
     * Called on entry to {@code ModelCompressor.compress}: reports progress {@code read 0}, then does what the
     * fault says.
     *
     * @param progress the engine's {@code ProgressListener}
     */
    public static void inject(Object progress) throws Throwable {
        Class<?> listener = Class.forName("com.modelpress.engine.ProgressListener", false,
                progress.getClass().getClassLoader());
        listener.getMethod("onProgress", String.class, double.class).invoke(progress, "read", 0.0);
        switch (fault) {
            case TestFaults.NATIVE_CRASH -> {
                Linker linker = Linker.nativeLinker();
                MethodHandle strlen = linker.downcallHandle(linker.defaultLookup().find("strlen").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                long length = (long) strlen.invokeExact(MemorySegment.NULL);
                throw new IllegalStateException("strlen(NULL) returned " + length + " instead of crashing");
            }
            case TestFaults.HANG -> {
                while (true) {
                    Thread.sleep(Duration.ofHours(1));
                }
            }
            case TestFaults.ENGINE_ERROR -> throw new IOException("test fault: the engine's disk failed");
            default -> throw new IllegalArgumentException("unknown test fault '%s'; known: %s, %s, %s"
                    .formatted(fault, TestFaults.NATIVE_CRASH, TestFaults.HANG, TestFaults.ENGINE_ERROR));
        }
    }

    /** Puts the call to {@link #inject} first in {@code ModelCompressor.compress}. */
    private static final class EngineEntry implements ClassFileTransformer {

        @Override
        public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                                byte[] bytes) {
            if (!ENGINE.equals(className)) {
                return null;
            }
            try {
                ClassFile classFile = ClassFile.of();
                boolean[] patched = {false};
                byte[] rewritten = classFile.transformClass(classFile.parse(bytes), ClassTransform.transformingMethodBodies(
                        method -> method.methodName().equalsString(COMPRESS)
                                && method.methodType().equalsString(COMPRESS_DESCRIPTOR),
                        new InjectFirst(() -> patched[0] = true)));
                if (!patched[0]) {
                    halt("found no " + COMPRESS + COMPRESS_DESCRIPTOR + " in " + ENGINE + " to inject '" + fault + "' into");
                }
                return rewritten;
            } catch (RuntimeException | Error e) { // the JVM swallows a transformer's exceptions: make it loud
                e.printStackTrace(System.err);
                halt("could not inject '" + fault + "' into " + ENGINE + ": " + e);
                return null;
            }
        }

        private static void halt(String reason) {
            System.err.println("fault agent: " + reason);
            Runtime.getRuntime().halt(EXIT_NOT_PATCHED);
        }
    }

    /** The code transform: the call first, then the method's own code unchanged. */
    private record InjectFirst(Runnable patched) implements CodeTransform {

        @Override
        public void atStart(CodeBuilder builder) {
            builder.aload(PROGRESS_SLOT).invokestatic(ClassDesc.of(FaultAgent.class.getName()), "inject",
                    MethodTypeDesc.of(ConstantDescs.CD_void, ConstantDescs.CD_Object));
            patched.run();
        }

        @Override
        public void accept(CodeBuilder builder, CodeElement element) {
            builder.with(element);
        }
    }
}
