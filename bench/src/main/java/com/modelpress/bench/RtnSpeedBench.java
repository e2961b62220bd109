package com.modelpress.bench;

import ai.onnxruntime.OrtEnvironment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Whole-process time of 4-bit round-to-nearest on one real model, ours against ONNX Runtime's own
 * {@code MatMulNBitsQuantizer}: {@code ./modelpress compress MODEL -m int4 --rounding rtn} (JVM start, read, compress,
 * write, the minimal evaluation of one sample, exit) against {@code python bench/python/ort_matmulnbits.py}
 * (interpreter start, imports, quantize, save), run back to back, alternating, {@code --runs} times each; medians,
 * because the machine's cores may be shared.
 *
 * <p>Usage: {@code bench/run rtn-speed [--model bge] [--runs 5] [--block-size 32] [--python python3]
 * [--work bench/target/rtn-speed] [--out docs/BENCHMARKS.md]}; the Python needs {@code onnx}, {@code onnx-ir} and
 * {@code onnxruntime}.
 */
public final class RtnSpeedBench {

    private static final Set<String> OPTIONS = Set.of("model", "runs", "block-size", "python", "work", "out");

    private RtnSpeedBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        BenchModel model = BenchModel.byId(arguments.list("model", List.of("bge")).getFirst());
        int runs = arguments.positiveInt("runs", 5);
        int blockSize = arguments.positiveInt("block-size", 32);
        String python = arguments.list("python", List.of("python3")).getFirst();
        Path work = arguments.path("work", Path.of("bench/target/rtn-speed"));
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path input = model.extractFp32(work);
        Path ours = work.resolve("ours-int4.onnx");
        Path theirs = work.resolve("ort-int4.onnx");

        List<String> modelpress = List.of("./modelpress", "compress", input.toString(), "-m", "int4", "--rounding", "rtn",
                "--block-size", Integer.toString(blockSize), "-o", ours.toString(), "--samples", "1", "--latency-runs", "0",
                "--no-sensitivity", "--no-report");
        List<String> onnxRuntime = List.of(python, "bench/python/ort_matmulnbits.py", input.toString(), theirs.toString(),
                "--block-size", Integer.toString(blockSize));
        // one untimed run each: builds the CLI if its sources changed, warms the page cache
        time(modelpress, work.resolve("warm-ours.log"));
        time(onnxRuntime, work.resolve("warm-ort.log"));
        double[] oursSeconds = new double[runs];
        double[] theirSeconds = new double[runs];
        for (int run = 0; run < runs; run++) {
            oursSeconds[run] = time(modelpress, work.resolve("ours.log"));
            theirSeconds[run] = time(onnxRuntime, work.resolve("ort.log"));
            System.err.printf(Locale.ROOT, "run %d: modelpress %.2f s, ONNX Runtime %.2f s%n", run + 1, oursSeconds[run],
                    theirSeconds[run]);
        }
        String command = ("bench/run rtn-speed " + String.join(" ", args)).strip();
        double oursMedian = median(oursSeconds);
        double theirMedian = median(theirSeconds);
        String body = RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown() + "\n\n"
                + String.format(Locale.ROOT, "%s (%.0f MB fp32), int4 block %d, round to nearest, %d alternating runs "
                        + "each after one warm-up; whole process.%n%n", model.displayName(), Files.size(input) / 1e6,
                blockSize, runs)
                + "| | median | fastest | slowest | output |\n| --- | ---: | ---: | ---: | ---: |\n"
                + row("`modelpress compress -m int4 --rounding rtn` (with its 1-sample evaluation)", oursSeconds, ours)
                + row("ONNX Runtime `MatMulNBitsQuantizer` (Python, embedding table left fp32)", theirSeconds, theirs)
                + String.format(Locale.ROOT, "%nRatio of medians (ours / ONNX Runtime): %.2f.%n", oursMedian / theirMedian);
        System.out.println(body);
        BenchmarksDoc.writeSection(out, "rtn-speed", "4-bit round-to-nearest speed against ONNX Runtime's quantizer", body);
        System.err.println("wrote " + out);
    }

    private static String row(String what, double[] seconds, Path output) throws IOException {
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "| %s | %.2f s | %.2f s | %.2f s | %.1f MB |%n", what, median(seconds), sorted[0],
                sorted[sorted.length - 1], Files.size(output) / 1e6);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Wall seconds of one process; fails when it does. */
    private static double time(List<String> command, Path log) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!process.waitFor(30, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                    + Files.readString(log));
        }
        return seconds;
    }
}
