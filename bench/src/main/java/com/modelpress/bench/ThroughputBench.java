package com.modelpress.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import ai.onnxruntime.OrtEnvironment;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.EvaluationSettings;

/**
 * Times compression of all-MiniLM-L6-v2 with each method, in MB of fp32 weights per second, next to the time
 * it takes merely to copy the file and to parse and re-serialise its protobuf; best of N runs each. Prints a
 * markdown table and writes it into {@code docs/BENCHMARKS.md}.
 *
 * <p>Usage: {@code bench/run throughput [--methods fp16,int8,int8-dynamic,int4] [--runs 3]
 * [--out docs/BENCHMARKS.md] [--work bench/target/throughput]}
 */
public final class ThroughputBench {

    private static final Set<String> OPTIONS = Set.of("methods", "runs", "out", "work");
    private static final List<String> ALL_METHODS = List.of("fp16", "int8", "int8-dynamic", "int4");
    private static final CompressionOptions OPTIONS_USED = new CompressionOptions(32, false, List.of(), null);
    /** The smallest evaluation the engine accepts: compress always evaluates, and its time is counted. */
    private static final EvaluationSettings MINIMAL_EVALUATION = new EvaluationSettings(1, 7, null, 0, Map.of());

    private ThroughputBench() {
    }

    public static void main(String[] args) throws Exception {
        BenchArguments arguments = BenchArguments.parseOrExit(args, OPTIONS);
        List<String> methods = arguments.list("methods", ALL_METHODS);
        int runs = arguments.positiveInt("runs", 3);
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path work = arguments.path("work", Path.of("bench/target/throughput"));

        BenchModel model = BenchModel.MINILM;
        Path fp32 = model.extractFp32(work);
        long fileBytes = Files.size(fp32);
        List<ThroughputRow> rows = new ArrayList<>();
        rows.add(ThroughputRow.bestOf("Files.copy", fileBytes, runs,
                () -> IoBaselines.copy(fp32, work.resolve("copy.onnx"))));
        rows.add(ThroughputRow.bestOf("protobuf parse + serialise (ModelProto)", fileBytes, runs,
                () -> IoBaselines.protobufRoundTrip(fp32, work.resolve("round-trip.onnx"))));

        ModelCompressor compressor = new ModelCompressor(MINIMAL_EVALUATION);
        List<String> stepNotes = new ArrayList<>();
        for (String methodId : methods) {
            System.err.printf("%s: %s x %d%n", model.displayName(), methodId, runs);
            CompressionMethod method = CompressionMethod.of(methodId, OPTIONS_USED);
            Path methodDirectory = work.resolve(methodId);
            Path output = methodDirectory.resolve("model.onnx");
            AtomicReference<FidelityReport> report = new AtomicReference<>();
            // the weight bytes are known only from a report, so the row is rebuilt with them below
            ThroughputRow timed = ThroughputRow.bestOf(methodId, 0, runs, () -> {
                WorkDirectory.emptied(methodDirectory);
                report.set(compressor.compress(fp32, output, method, ProgressListener.NONE));
            });
            long weightBytes = report.get().sizes().originalWeightBytes();
            rows.add(new ThroughputRow("compress " + methodId, weightBytes, timed.bestSeconds(), runs));
            stepNotes.add(methodId + ": " + report.get().timings().stream()
                    .map(step -> step.step() + " " + step.millis() + " ms")
                    .collect(Collectors.joining(", ")));
        }

        String table = ThroughputTable.markdown(rows);
        System.out.println(table);
        String command = ("bench/run throughput " + String.join(" ", args)).strip();
        String body = RunDescription.current(OrtEnvironment.getEnvironment().getVersion(), command).markdown()
                + "\n" + model.displayName() + " (" + fileBytes + " bytes), best of " + runs + " runs each."
                + " Compression rows count the fp32 weight bytes the engine reports and the whole compress call,"
                + " including its minimal evaluation (1 synthesised sample); I/O rows count the file's bytes.\n\n"
                + table + "\nSteps of the last compress run per method: "
                + String.join("; ", stepNotes) + ".\n";
        BenchmarksDoc.writeSection(out, "throughput", "Throughput", body);
        System.err.println("wrote " + out);
    }
}
