package com.modelpress.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child process of a bench, its output and errors written to a log, given 30 minutes. Stateless. */
final class LoggedProcess {

    private static final int MINUTES = 30;

    private LoggedProcess() {
    }

    /**
     * Runs {@code command} to its end.
     *
     * @return the process's wall seconds
     * @throws IOException when it cannot start, outlasts 30 minutes (it is killed) or exits non-zero (with the log)
     */
    static double run(List<String> command, Path log) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + MINUTES + " minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                    + Files.readString(log));
        }
        return seconds;
    }
}
