package com.modelpress.testfaults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * Faults the tests inject into the engine's child JVM, to prove that the worker survives them. A job asks for one
 * with the request metadata entry {@value #METADATA_KEY}; the child honours it only when it runs with the
 * {@link FaultAgent} ({@link #javaOption()} in {@code modelpress.worker.sandbox.java-options}). The production
 * jars hold no fault code: this module is only ever a test-scoped dependency, and without the agent the entry is
 * ordinary metadata.
 *
 * <ul>
 *   <li>{@value #NATIVE_CRASH}: calls the C library's {@code strlen} on a null pointer through the foreign function
 *       interface, a segmentation fault in native code like a crash inside ONNX Runtime would be. The JVM's signal
 *       handler writes its fatal error report ({@code -XX:ErrorFile}) and the process dies.</li>
 *   <li>{@value #HANG}: reports progress once, then sleeps forever, like a stuck native call.</li>
 *   <li>{@value #ENGINE_ERROR}: throws an {@link IOException}, like a disk that fails under the engine: the
 *       attempt ends {@code internal_error}, retryable, every time.</li>
 * </ul>
 *
 * <p>Each fault starts where the engine starts: on entry to {@code ModelCompressor.compress}, after the child has
 * read its task and set up its watch on the worker.
 */
public final class TestFaults {

    public static final String METADATA_KEY = "modelpress.test-fault";
    public static final String NATIVE_CRASH = "native-crash";
    public static final String HANG = "hang";
    public static final String ENGINE_ERROR = "engine-error";

    private static final Object LOCK = new Object();
    private static Path agentJar;

    private TestFaults() {
    }

    /**
     * The JVM option that loads the agent, {@code -javaagent:<jar>}; the jar is written once per process into a
     * temporary folder (deleted when this JVM exits).
     */
    public static String javaOption() {
        return "-javaagent:" + agentJar();
    }

    /** The agent jar: {@link FaultAgent} and its nested classes, with {@code Premain-Class} in its manifest. */
    public static Path agentJar() {
        synchronized (LOCK) {
            if (agentJar == null) {
                try {
                    Path folder = Files.createTempDirectory("modelpress-test-faults-");
                    agentJar = writeAgentJar(folder.resolve("fault-agent.jar"));
                    agentJar.toFile().deleteOnExit();
                    folder.toFile().deleteOnExit();
                } catch (IOException e) {
                    throw new UncheckedIOException("could not write the fault agent's jar", e);
                }
            }
            return agentJar;
        }
    }

    private static Path writeAgentJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), FaultAgent.class.getName());
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (Class<?> type : FaultAgent.class.getNestMembers()) {
                String entry = type.getName().replace('.', '/') + ".class";
                try (InputStream bytes = FaultAgent.class.getClassLoader().getResourceAsStream(entry)) {
                    if (bytes == null) {
                        throw new IOException("class file " + entry + " not found on the class path");
                    }
                    out.putNextEntry(new JarEntry(entry));
                    bytes.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        return jar;
    }
}
