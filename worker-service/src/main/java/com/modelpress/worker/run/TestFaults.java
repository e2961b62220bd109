package com.modelpress.worker.run;

import com.modelpress.engine.ProgressListener;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

/**
 * Faults the worker's tests inject into the engine's child JVM, to prove that the worker survives them. A job
 * asks for one with the request metadata entry {@value #METADATA_KEY}; the child honours it only when it was
 * started with {@code -D}{@value #ENABLED_PROPERTY}{@code =true} (through {@code modelpress.worker.sandbox.java-options}),
 * which no production configuration sets. Otherwise the entry is ordinary metadata.
 *
 * <ul>
 *   <li>{@code native-crash}: calls the C library's {@code strlen} on a null pointer through the foreign function
 *       interface, a segmentation fault in native code like a crash inside ONNX Runtime would be. The JVM's signal
 *       handler writes its fatal error report ({@code -XX:ErrorFile}) and the process dies.</li>
 *   <li>{@code hang}: reports progress once, then sleeps forever, like a stuck native call.</li>
 *   <li>{@code engine-error}: throws an {@link java.io.IOException}, like a disk that fails under the engine: the
 *       attempt ends {@code internal_error}, retryable, every time.</li>
 * </ul>
 */
final class TestFaults {

    static final String ENABLED_PROPERTY = "modelpress.sandbox.test-faults";
    static final String METADATA_KEY = "modelpress.test-fault";
    static final String NATIVE_CRASH = "native-crash";
    static final String HANG = "hang";
    static final String ENGINE_ERROR = "engine-error";

    private TestFaults() {
    }

    /** Does nothing unless faults are enabled and the task asks for one. */
    static void inject(EngineTask task, ProgressListener progress) throws Throwable {
        String fault = task.request().metadata().get(METADATA_KEY);
        if (fault == null || !Boolean.getBoolean(ENABLED_PROPERTY)) {
            return;
        }
        progress.onProgress("read", 0);
        switch (fault) {
            case NATIVE_CRASH -> {
                Linker linker = Linker.nativeLinker();
                MethodHandle strlen = linker.downcallHandle(linker.defaultLookup().find("strlen").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                long length = (long) strlen.invokeExact(MemorySegment.NULL);
                throw new IllegalStateException("strlen(NULL) returned " + length + " instead of crashing");
            }
            case HANG -> {
                while (true) {
                    Thread.sleep(Duration.ofHours(1));
                }
            }
            case ENGINE_ERROR -> throw new java.io.IOException("test fault: the engine's disk failed");
            default -> throw new IllegalArgumentException("unknown test fault '%s'; known: %s, %s, %s"
                    .formatted(fault, NATIVE_CRASH, HANG, ENGINE_ERROR));
        }
    }
}
