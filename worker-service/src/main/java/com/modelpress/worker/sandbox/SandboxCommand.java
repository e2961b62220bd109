package com.modelpress.worker.sandbox;

import com.modelpress.worker.WorkerProperties;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;

/**
 * The command line of the engine's child JVM: the worker's own Java, the heap limit, fatal-error handling that
 * keeps everything in the attempt's scratch folder, the operator's options, and the worker's class path.
 *
 * <p>Two layouts of that class path are understood. An exploded one ({@code -cp a.jar:b.jar:classes}, as in
 * tests, Jib images and the {@code modelpress} script) is passed on as it is, with {@link SandboxChild} as the main
 * class. A Spring Boot executable jar ({@code java -jar worker-exec.jar}: the class path is that one jar, whose
 * manifest names a Boot launcher) is started with Boot's {@value #BOOT_PROPERTIES_LAUNCHER} and
 * {@code -Dloader.main}, which puts the jar's {@code BOOT-INF/classes} and {@code BOOT-INF/lib} on the class path
 * without unpacking anything.
 *
 * <p>Immutable.
 */
public final class SandboxCommand {

    static final String BOOT_PROPERTIES_LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";
    private static final String BOOT_LAUNCHER_PACKAGE = "org.springframework.boot.loader.launch.";
    /** System properties of the worker that the child inherits: how ONNX Runtime finds its native libraries. */
    private static final String INHERITED_PROPERTY_PREFIX = "onnxruntime.";

    private final String java;
    private final String classPath;
    private final boolean bootJar;
    private final long maxHeapBytes;
    private final List<String> javaOptions;
    private final Map<String, String> inheritedProperties;

    SandboxCommand(String java, String classPath, long maxHeapBytes, List<String> javaOptions,
                   Map<String, String> inheritedProperties) {
        this.java = java;
        this.classPath = absolute(classPath);
        this.bootJar = isBootJar(classPath);
        this.maxHeapBytes = maxHeapBytes;
        this.javaOptions = List.copyOf(javaOptions);
        this.inheritedProperties = Map.copyOf(inheritedProperties);
    }

    /** The command for this JVM: the same {@code java} executable and class path. */
    public static SandboxCommand forThisJvm(WorkerProperties.Sandbox sandbox) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Map<String, String> inherited = new TreeMap<>();
        System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith(INHERITED_PROPERTY_PREFIX))
                .forEach(name -> inherited.put(name, System.getProperty(name)));
        return new SandboxCommand(java, System.getProperty("java.class.path"), sandbox.maxHeapBytes(),
                sandbox.javaOptionList(), inherited);
    }

    /** Whether the class path is a Spring Boot executable jar (and the child is started through Boot's launcher). */
    public boolean bootJar() {
        return bootJar;
    }

    /**
     * The child's process, not yet started: its command line, and the class path in the {@code CLASSPATH}
     * environment variable. The class path stays off the command line because ONNX Runtime 1.29 crashes with a
     * segmentation fault when creating a session in a process whose command line ({@code /proc/self/cmdline}) is
     * longer than about 4 KiB, which a worker's class path easily is.
     *
     * @param scratch the attempt's scratch folder: JVM error reports and temporary files go there; the child's
     *                working directory
     * @param request the {@link EngineTask} JSON file
     */
    /** Thread stack size for the child: room for ONNX Runtime's session creation. */
    static final String ORT_THREAD_STACK = "-Xss8m";

    ProcessBuilder processBuilder(Path scratch, Path request) {
        ProcessBuilder builder = new ProcessBuilder(command(scratch, request)).directory(scratch.toFile());
        // the worker's environment holds the database, broker and storage secrets; the child gets what running the
        // engine needs and nothing else
        builder.environment().keySet().removeIf(name -> !inherited(name));
        builder.environment().put("CLASSPATH", classPath);
        return builder;
    }

    /**
     * Variables the child inherits: locale, search paths, the native runtimes' (CUDA, OpenMP, ONNX Runtime, glibc)
     * knobs, and where DJL keeps the tokenizers' native library ({@code DJL_CACHE_DIR}, {@code ENGINE_CACHE_DIR}; without
     * them {@code ~/.djl.ai}, or the child's own temporary folder when the home folder is not writable).
     */
    static final Set<String> INHERITED_VARIABLES = Set.of("PATH", "HOME", "USER", "LANG", "TZ",
            "LD_LIBRARY_PATH", "DJL_CACHE_DIR", "ENGINE_CACHE_DIR");
    static final List<String> INHERITED_VARIABLE_PREFIXES = List.of("LC_", "CUDA_", "NVIDIA_",
            "OMP_", "ORT_", "MALLOC_");

    static boolean inherited(String name) {
        return INHERITED_VARIABLES.contains(name) || INHERITED_VARIABLE_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /** The command line of {@link #processBuilder}. */
    List<String> command(Path scratch, Path request) {
        List<String> command = new ArrayList<>();
        command.add(java);
        // whole kibibytes: -Xmx wants a multiple of 1024
        command.add("-Xmx" + Math.max(1, maxHeapBytes >> 10) + "k");
        command.add("-XX:+ExitOnOutOfMemoryError");
        // ONNX Runtime 1.29 can overrun the default 1 MB thread stack while creating a session (a SIGSEGV without
        // a JVM error report was seen on an AVX2-only CPU); later options may still override this
        command.add(ORT_THREAD_STACK);
        command.add("-XX:ErrorFile=" + scratch.resolve(SandboxProtocol.ERROR_FILE));
        // a core dump of a multi-gigabyte process would fill the disk; the error report says where it crashed
        command.add("-XX:-CreateCoredumpOnCrash");
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("--sun-misc-unsafe-memory-access=allow");
        // ONNX Runtime unpacks its native libraries into the temporary folder: keep them in the scratch folder
        command.add("-Djava.io.tmpdir=" + scratch.resolve("tmp"));
        inheritedProperties.forEach((name, value) -> command.add("-D" + name + "=" + value));
        command.addAll(javaOptions);
        if (bootJar) {
            command.add("-Dloader.main=" + SandboxChild.class.getName());
            command.add(BOOT_PROPERTIES_LAUNCHER);
        } else {
            command.add(SandboxChild.class.getName());
        }
        command.add(request.toString());
        return command;
    }

    /**
     * Every entry made absolute against this process's working directory: the child runs in the scratch folder, where
     * a relative entry ({@code java -jar worker-service/target/worker-exec.jar} gives one) names nothing, and the
     * child could not even find Boot's launcher.
     */
    static String absolute(String classPath) {
        if (classPath == null || classPath.isEmpty()) {
            return classPath;
        }
        return Arrays.stream(classPath.split(File.pathSeparator, -1))
                .map(entry -> entry.isEmpty() ? entry : Path.of(entry).toAbsolutePath().normalize().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** One jar whose manifest starts a Spring Boot launcher. */
    static boolean isBootJar(String classPath) {
        if (classPath == null || classPath.isEmpty() || classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")) {
            return false;
        }
        Path jar = Path.of(classPath);
        if (!Files.isRegularFile(jar)) {
            return false;
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue("Main-Class");
            return main != null && main.startsWith(BOOT_LAUNCHER_PACKAGE);
        } catch (IOException e) {
            return false;
        }
    }
}
