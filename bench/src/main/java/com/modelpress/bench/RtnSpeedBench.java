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

/**
 * Whole-process time of 4-bit round-to-nearest on one real model, ours against ONNX Runtime's own
 * {@code MatMulNBitsQuantizer}: {@code ./modelpress compress MODEL -m int4 --rounding rtn} (JVM start, read, compress,
 * write, the minimal evaluation of one sample, exit) against {@code python bench/python/ort_matmulnbits.py}
 * (interpreter start, imports, quantize, save), run back to back, alternating, {@code --runs} times each; medians,
 * because the machine's cores may be shared, and the CPU time (user + system, by GNU {@code /usr/bin/time}) beside
 * them, which other work on the cores inflates far less.
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
        Path oursPath = work.resolve("ours-int4.onnx");
        Path theirsPath = work.resolve("ort-int4.onnx");

        List<String> modelpress = List.of("./modelpress", "compress", input.toString(), "-m", "int4", "--rounding", "rtn",
                "--block-size", Integer.toString(blockSize), "-o", oursPath.toString(), "--samples", "1", "--latency-runs", "0",
                "--no-sensitivity", "--no-report");
        List<String> onnxRuntime = List.of(python, "bench/python/ort_matmulnbits.py", input.toString(), theirsPath.toString(),
                "--block-size", Integer.toString(blockSize));
        // one untimed run each: builds the CLI if its sources changed, warms the page cache
        time(modelpress, work.resolve("warm-ours.log"));
        time(onnxRuntime, work.resolve("warm-ort.log"));
        String loadBefore = loadAverage();
        Timing[] ours = new Timing[runs];
        Timing[] theirs = new Timing[runs];
        for (int run = 0; run < runs; run++) {
            ours[run] = time(modelpress, work.resolve("ours.log"));
            theirs[run] = time(onnxRuntime, work.resolve("ort.log"));
            System.err.printf(Locale.ROOT, "run %d: modelpress %.2f s (CPU %.2f s), ONNX Runtime %.2f s (CPU %.2f s)%n",
                    run + 1, ours[run].wall(), ours[run].cpu(), theirs[run].wall(), theirs[run].cpu());
        }
        String command = ("bench/run rtn-speed " + String.join(" ", args)).strip();
        double oursMedian = median(walls(ours));
        double theirMedian = median(walls(theirs));
        double oursCpu = median(cpus(ours));
        double theirCpu = median(cpus(theirs));
        String body = RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown() + "\n\n"
                + String.format(Locale.ROOT, "%s (%.0f MB fp32), int4 block %d, round to nearest, %d alternating runs "
                        + "each after one warm-up; whole process. Load average (1, 5, 15 min) before the timed runs: %s, "
                        + "after: %s. CPU is the process's user + system time (GNU time), which other work on the "
                        + "cores inflates far less than wall time.%n%n", model.displayName(), Files.size(input) / 1e6,
                blockSize, runs, loadBefore, loadAverage())
                + "| | median | fastest | slowest | CPU, median | output |\n| --- | ---: | ---: | ---: | ---: | ---: |\n"
                + row("`modelpress compress -m int4 --rounding rtn` (with its 1-sample evaluation)", ours, oursPath)
                + row("ONNX Runtime `MatMulNBitsQuantizer` (Python, embedding table left fp32)", theirs, theirsPath)
                + String.format(Locale.ROOT, "%nRatio of medians (ours / ONNX Runtime): wall %.2f, CPU %.2f.%n",
                oursMedian / theirMedian, oursCpu / theirCpu);
        System.out.println(body);
        BenchmarksDoc.writeSection(out, "rtn-speed", "4-bit round-to-nearest speed against ONNX Runtime's quantizer", body);
        System.err.println("wrote " + out);
    }

    private static String row(String what, Timing[] timings, Path output) throws IOException {
        double[] sorted = walls(timings);
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.1f MB |%n", what, median(walls(timings)),
                sorted[0], sorted[sorted.length - 1], median(cpus(timings)), Files.size(output) / 1e6);
    }

    /** Wall and CPU (user + system) seconds of one process. */
    private record Timing(double wall, double cpu) {}

    private static double[] walls(Timing[] timings) {
        return Arrays.stream(timings).mapToDouble(Timing::wall).toArray();
    }

    private static double[] cpus(Timing[] timings) {
        return Arrays.stream(timings).mapToDouble(Timing::cpu).toArray();
    }

    /** {@code /proc/loadavg}'s first three fields. */
    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
        return String.join(", ", fields[0], fields[1], fields[2]);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** Wall and CPU seconds of one process, run under GNU time; fails when it does. */
    private static Timing time(List<String> command, Path log) throws IOException, InterruptedException {
        Path cpu = log.resolveSibling(log.getFileName() + ".cpu");
        List<String> timed = new ArrayList<>(List.of("/usr/bin/time", "-f", "%U %S", "-o", cpu.toString()));
        timed.addAll(command);
        double seconds = LoggedProcess.run(timed, log);
        String[] userSystem = Files.readString(cpu).strip().split("\\s+");
        return new Timing(seconds, Double.parseDouble(userSystem[userSystem.length - 2])
                + Double.parseDouble(userSystem[userSystem.length - 1]));
    }
}
