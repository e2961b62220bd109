package com.modelpress.bench;

import ai.onnxruntime.OrtEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Compression at LLM scale: writes a {@link SyntheticDecoder} of several GB (external data), prefill calibration
 * samples and one evaluation sample, then compresses it to {@code int4} with GPTQ in a child JVM with a fixed heap
 * ({@link LlmScaleChild}), and reports wall time, peak heap, peak resident set and MB/s per engine step. The model
 * is deleted afterwards unless {@code --keep true}.
 *
 * <p>Usage: {@code bench/run llm-scale [--hidden 2048] [--layers 13] [--heads 16] [--intermediate 5632]
 * [--vocabulary 32000] [--dtype fp32|fp16] [--calibration-samples 24] [--length 256] [--heap 3g]
 * [--calibration-memory BYTES] [--rounding gptq] [--block-size 32] [--work /tmp/modelpress-llm-scale]
 * [--keep false] [--out docs/BENCHMARKS.md]}
 */
public final class LlmScaleBench {

    private static final Set<String> OPTIONS = Set.of("hidden", "layers", "heads", "intermediate", "vocabulary", "dtype",
            "calibration-samples", "length", "heap", "calibration-memory", "rounding", "block-size", "work", "keep", "out");

    private LlmScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        SyntheticDecoder decoder = new SyntheticDecoder(arguments.positiveInt("hidden", 2048),
                arguments.positiveInt("layers", 13), arguments.positiveInt("heads", 16),
                arguments.positiveInt("intermediate", 5632), arguments.positiveInt("vocabulary", 32000),
                arguments.list("dtype", List.of("fp32")).getFirst().equals("fp16"));
        int samples = arguments.positiveInt("calibration-samples", 24);
        int length = arguments.positiveInt("length", 256);
        String heap = arguments.list("heap", List.of("3g")).getFirst();
        String memory = arguments.list("calibration-memory", List.of("0")).getFirst();
        String rounding = arguments.list("rounding", List.of("gptq")).getFirst();
        int blockSize = arguments.positiveInt("block-size", 32);
        Path work = arguments.path("work", Path.of("/tmp/modelpress-llm-scale"));
        boolean keep = arguments.list("keep", List.of("false")).getFirst().equals("true");
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));

        System.err.println("model: " + decoder.describe());
        Run run = run(decoder, work, samples, length, heap, memory, rounding, blockSize, keep);
        String command = ("bench/run llm-scale " + String.join(" ", args)).strip();
        String body = RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown() + "\n\n"
                + run.markdown(decoder, samples, length, heap);
        System.out.println(body);
        BenchmarksDoc.writeSection(out, "llm-scale", "Compression at LLM scale", body);
        System.err.println("wrote " + out);
    }

    /** One generation and compression; the files are deleted unless {@code keep}. */
    static Run run(SyntheticDecoder decoder, Path work, int samples, int length, String heap, String memory,
                   String rounding, int blockSize, boolean keep) throws IOException, InterruptedException {
        WorkDirectory.emptied(work);
        long usable = Files.getFileStore(work).getUsableSpace();
        if (usable < 3 * decoder.weightBytes()) {
            throw new IOException("%s has %d MB free; the model, its compressed copy and scratch need about %d MB"
                    .formatted(work, usable >> 20, 3 * decoder.weightBytes() >> 20));
        }
        try {
            long started = System.nanoTime();
            Path model = decoder.write(work.resolve("model"), "decoder");
            double generateSeconds = (System.nanoTime() - started) / 1e9;
            Path calibration = decoder.writeSamples(work.resolve("calibration"), samples, length, 11);
            Path inputs = decoder.writeSamples(work.resolve("inputs"), 1, Math.min(length, 64), 12);
            Path output = Files.createDirectories(work.resolve("output")).resolve("decoder-int4.onnx");
            Path result = work.resolve("result.properties");
            Path log = work.resolve("child.log");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // -Xss8m as the CLI and the worker: ONNX Runtime can overrun a 1 MB stack creating a session
                    "-Xmx" + heap, "-Xss8m", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                    "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp")),
                    "-cp", System.getProperty("java.class.path"), LlmScaleChild.class.getName(),
                    model.toString(), output.toString(), calibration.toString(), inputs.toString(), memory, rounding,
                    Integer.toString(blockSize), result.toString()));
            long childStart = System.nanoTime();
            Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!child.waitFor(4, TimeUnit.HOURS)) {
                child.destroyForcibly();
                throw new IOException("the child did not finish in 4 hours; see " + log);
            }
            double childSeconds = (System.nanoTime() - childStart) / 1e9;
            if (child.exitValue() != 0) {
                throw new IOException("the child failed with exit code " + child.exitValue() + ":\n" + Files.readString(log));
            }
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(result)) {
                properties.load(in);
            }
            Path data = output.resolveSibling(output.getFileName() + ".data");
            return new Run(properties, generateSeconds, childSeconds, Files.isRegularFile(data) ? Files.size(data) : 0);
        } finally {
            if (!keep) {
                WorkDirectory.emptied(work);
            }
        }
    }

    /**
     * @param result        what the child wrote
     * @param generateSeconds time to write the model
     * @param childSeconds  the child JVM's whole life
     * @param externalBytes size of the compressed model's external data file (0 when inline)
     */
    record Run(Properties result, double generateSeconds, double childSeconds, long externalBytes) {

        long value(String key) {
            return Long.parseLong(result.getProperty(key));
        }

        double real(String key) {
            return Double.parseDouble(result.getProperty(key, "NaN"));
        }

        Map<String, Long> steps() {
            Map<String, Long> steps = new LinkedHashMap<>();
            for (String step : result.getProperty("steps").split(",")) {
                int equals = step.lastIndexOf('=');
                steps.put(step.substring(0, equals), Long.parseLong(step.substring(equals + 1)));
            }
            return steps;
        }

        String markdown(SyntheticDecoder decoder, int samples, int length, String heap) {
            long weights = value("originalWeightBytes");
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "Synthetic decoder (`SyntheticDecoder`: %s), external data; "
                            + "calibration %d prefill windows of %d tokens (empty KV cache), evaluation 1 window of %d; "
                            + "the engine in a child JVM with `-Xmx%s`. Model written in %.0f s.%n%n",
                    decoder.describe(), samples, length, Math.min(length, 64), heap, generateSeconds));
            md.append("| | value |\n| --- | ---: |\n");
            md.append(String.format(Locale.ROOT, "| whole child process (JVM start to exit) | %.0f s |%n", childSeconds));
            md.append(String.format(Locale.ROOT, "| peak resident set (VmHWM) | %.2f GB |%n", value("peakRssBytes") / 1e9));
            md.append(String.format(Locale.ROOT, "| peak Java heap used (sampled every 20 ms) / limit | %.2f / %.2f GB |%n", value("peakHeapBytes") / 1e9,
                    value("maxHeapBytes") / 1e9));
            md.append(String.format(Locale.ROOT, "| size: original → compressed (ratio) | %.2f GB → %.2f GB (%.3f) |%n",
                    value("originalBytes") / 1e9, value("compressedBytes") / 1e9, real("ratio")));
            md.append(String.format(Locale.ROOT, "| compressed external data file | %.2f GB |%n", externalBytes / 1e9));
            md.append(String.format(Locale.ROOT, "| bits per weight | %.2f |%n", real("bitsPerWeight")));
            md.append(String.format(Locale.ROOT, "| tensors rounded with GPTQ | %s |%n", result.getProperty("gptqTensors")));
            md.append(String.format(Locale.ROOT, "| logits: cosine / same top-1 vs the original | %.4f / %s |%n%n",
                    real("cosine"), result.containsKey("top1") ? String.format(Locale.ROOT, "%.1f %%", 100 * real("top1")) : "—"));
            md.append("| engine step | seconds | MB of original weights per second |\n| --- | ---: | ---: |\n");
            for (Map.Entry<String, Long> step : steps().entrySet()) {
                double seconds = step.getValue() / 1000.0;
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %.0f |%n", step.getKey(), seconds,
                        seconds == 0 ? 0 : weights / 1e6 / seconds));
            }
            md.append("\nNotes from the report: ").append(result.getProperty("notes")).append('\n');
            return md.toString();
        }
    }
}
