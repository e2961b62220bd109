package com.modelpress.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Where and how a bench ran, printed above its results so that every number says how it was made.
 *
 * @param date        UTC date of the run
 * @param cpu         processor model name, or {@code unknown CPU}
 * @param cores       processors available to the JVM
 * @param os          operating system name and architecture
 * @param java        Java runtime version
 * @param onnxRuntime ONNX Runtime version
 * @param command     the command line that reproduces the run
 */
record RunDescription(LocalDate date, String cpu, int cores, String os, String java, String onnxRuntime,
                      String command) {

    /**
     * @param onnxRuntime e.g. {@code OrtEnvironment.getEnvironment().getVersion()}
     * @param command     the command line, e.g. {@code bench/run fidelity --models minilm}
     */
    static RunDescription current(String onnxRuntime, String command) {
        return new RunDescription(LocalDate.now(ZoneOffset.UTC), cpuModel().orElse("unknown CPU"),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.version().toString(), onnxRuntime, command);
    }

    /** @return a short markdown paragraph */
    String markdown() {
        return "Measured " + date + " on " + cores + " cores (" + cpu + "), " + os + ", Java " + java
                + ", ONNX Runtime " + onnxRuntime + " (CPU).\nCommand: `" + command + "`";
    }

    private static Optional<String> cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return Optional.empty();
        }
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).strip())
                    .findFirst();
        } catch (IOException e) {
            // the processor name only decorates the report; the run itself is still valid without it
            return Optional.empty();
        }
    }
}
