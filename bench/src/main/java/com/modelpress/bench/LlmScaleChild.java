package com.modelpress.bench;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The engine alone in a JVM whose heap the parent chose: compresses one model with {@code int4} and writes what
 * happened (step times, sizes, fidelity, the JVM's peak heap and the process's peak resident set) to a properties
 * file. Run by {@link LlmScaleBench} and by the bench's bounded-heap test.
 *
 * <p>Arguments: {@code INPUT OUTPUT CALIBRATION_DIR INPUTS_DIR CALIBRATION_MEMORY_BYTES ROUNDING BLOCK_SIZE RESULT}
 * ({@code CALIBRATION_MEMORY_BYTES} 0 = the engine's default).
 */
public final class LlmScaleChild {

    private LlmScaleChild() {
    }

    public static void main(String[] args) throws IOException {
        Path input = Path.of(args[0]);
        Path output = Path.of(args[1]);
        CalibrationSettings calibration = new CalibrationSettings(0, 0, Path.of(args[2])).withMemory(Long.parseLong(args[4]));
        // prepacked MatMul weights would double ONNX Runtime's copy of the original during evaluation
        EvaluationSettings evaluation = new EvaluationSettings(1, 7, Path.of(args[3]), 0,
                Map.of("session.disable_prepacking", "1"));
        CompressionMethod method = CompressionMethod.of("int4",
                new CompressionOptions(Integer.parseInt(args[6]), false, List.of(), null, args[5]));
        java.util.concurrent.atomic.AtomicLong sampledPeak = new java.util.concurrent.atomic.AtomicLong();
        Printer printer = new Printer();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            Runtime runtime = Runtime.getRuntime();
            int ticks = 0;
            while (!Thread.currentThread().isInterrupted()) {
                sampledPeak.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
                if (ticks++ % 10 == 0) {
                    printer.sampleResidentSet();
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long started = System.nanoTime();
        FidelityReport report = new ModelCompressor(evaluation, calibration).compress(input, output, method,
                printer);
        long seconds = (System.nanoTime() - started) / 1_000_000;
        Properties result = new Properties();
        result.setProperty("millis", Long.toString(seconds));
        result.setProperty("steps", report.timings().stream().map(t -> t.step() + "=" + t.millis())
                .collect(Collectors.joining(",")));
        result.setProperty("originalBytes", Long.toString(report.sizes().originalBytes()));
        result.setProperty("compressedBytes", Long.toString(report.sizes().compressedBytes()));
        result.setProperty("originalWeightBytes", Long.toString(report.sizes().originalWeightBytes()));
        result.setProperty("ratio", Double.toString(report.sizes().ratio()));
        result.setProperty("bitsPerWeight", Double.toString(report.bitsPerWeight()));
        result.setProperty("cosine", Double.toString(report.worstCosineMean()));
        report.outputs().stream().filter(o -> o.name().equals("logits")).findFirst().ifPresent(logits -> {
            if (logits.top1Agreement() != null) {
                result.setProperty("top1", Double.toString(logits.top1Agreement()));
            }
        });
        result.setProperty("gptqTensors", Long.toString(report.tensors().stream()
                .filter(t -> t.encoding() != null && t.encoding().endsWith("GPTQ")).count()));
        result.setProperty("notes", String.join(" | ", report.notes()));
        sampler.interrupt();
        result.setProperty("peakHeapBytes", Long.toString(sampledPeak.get()));
        result.setProperty("heapPoolPeaksBytes", Long.toString(peakHeap()));
        result.setProperty("maxHeapBytes", Long.toString(Runtime.getRuntime().maxMemory()));
        result.setProperty("peakRssBytes", Long.toString(peakResidentSet()));
        result.setProperty("stepPeakRss", printer.stepPeaks());
        try (var out = Files.newOutputStream(Path.of(args[7]))) {
            result.store(out, "LlmScaleChild");
        }
    }

    /** Sum of the heap pools' peak usage (an upper bound: the pools peak at different times). */
    static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** {@code VmHWM} of this process (Linux), in bytes; -1 where unknown. */
    static long peakResidentSet() throws IOException {
        return status("VmHWM:");
    }

    /** One {@code /proc/self/status} field given in kB, in bytes; -1 where unknown. */
    private static long status(String field) throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return -1;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }

    /**
     * Prints each step's progress in tenths to stderr with the resident set at that moment, for the log, and
     * keeps the highest resident set sampled while each progress step was the current one.
     */
    private static final class Printer implements ProgressListener {
        private final long started = System.nanoTime();
        private final Map<String, Long> peaks = new java.util.LinkedHashMap<>();
        private volatile String current = "start";
        private String step = "";
        private int tenth = -1;
        private long printed;

        @Override
        public void onProgress(String name, double fraction) {
            current = name;
            int now = (int) Math.floor(fraction * 10);
            long at = System.nanoTime();
            if ((!name.equals(step) || now != tenth) && (at - printed > 2_000_000_000L || fraction >= 1)) {
                printed = at;
                System.err.printf(Locale.ROOT, "%7.1f s  %-12s %3d %%  rss %5.2f GB  heap %5.2f GB%n",
                        (System.nanoTime() - started) / 1e9, name, now * 10, residentSet() / 1e9,
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1e9);
                step = name;
                tenth = now;
            }
        }

        /** Called by the sampler thread: the resident set now, counted against the current step. */
        void sampleResidentSet() {
            long rss = residentSet();
            synchronized (peaks) {
                peaks.merge(current, rss, Math::max);
            }
        }

        /** {@code step=bytes,...} in the order the steps first reported. */
        String stepPeaks() {
            synchronized (peaks) {
                return peaks.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(","));
            }
        }

        private static long residentSet() {
            try {
                return status("VmRSS:");
            } catch (IOException e) {
                return -1;
            }
        }
    }
}
