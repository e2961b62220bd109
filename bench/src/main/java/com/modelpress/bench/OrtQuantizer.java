package com.modelpress.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * ONNX Runtime's {@code MatMulNBitsQuantizer} through {@code bench/python/ort_matmulnbits.py} in a Python that has
 * {@code onnxruntime} and {@code onnx}: probed once, then one whole process per quantized file.
 *
 * @param python   the interpreter
 * @param versions the versions the script reported (one line of JSON), or null when unavailable
 * @param problem  why it is unavailable, or null
 */
record OrtQuantizer(String python, String versions, String problem) {

    static final String SCRIPT = "bench/python/ort_matmulnbits.py";

    boolean available() {
        return problem == null;
    }

    static OrtQuantizer unavailable(String python, String problem) {
        return new OrtQuantizer(python, null, problem);
    }

    /** Runs the script's {@code --versions}; a missing interpreter or module makes an unavailable quantizer. */
    static OrtQuantizer probe(String python) {
        try {
            Process process = new ProcessBuilder(python, SCRIPT, "--versions").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).strip();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new OrtQuantizer(python, null, python + " did not answer in 2 minutes");
            }
            if (process.exitValue() != 0) {
                return new OrtQuantizer(python, null, python + " " + SCRIPT + " --versions failed (exit "
                        + process.exitValue() + "): " + output);
            }
            return new OrtQuantizer(python, output, null);
        } catch (IOException e) {
            return new OrtQuantizer(python, null, "cannot start " + python + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new OrtQuantizer(python, null, "interrupted");
        }
    }

    /** Quantizes {@code input} into {@code output}; returns the process's wall seconds; fails when it does. */
    double run(Path input, Path output, List<String> arguments, Path log) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT, input.toString(), output.toString()));
        command.addAll(arguments);
        return LoggedProcess.run(command, log);
    }
}
