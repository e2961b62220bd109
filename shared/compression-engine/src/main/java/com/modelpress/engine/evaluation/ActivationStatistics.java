package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.graph.ModelWriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.ScratchSpace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Second-moment statistics of intermediate activations on calibration samples: for each requested float
 * tensor, {@code XᵀX} over all its rows (every position of every sample; the last axis is the feature axis).
 * The model is run once per sample with the requested tensors exposed as extra outputs; only the running sums
 * are kept, so memory is bounded by the tensors of one sample plus one {@code K×K} matrix per tensor.
 */
public final class ActivationStatistics {

    private static final String PROGRESS_STEP = "calibrate";

    /**
     * @param xtx  row-major {@code [features, features]} sum of {@code xᵀx}
     * @param rows number of activation rows summed
     * @param min  smallest activation value seen
     * @param max  largest activation value seen
     */
    public record SecondMoment(int features, double[] xtx, long rows, float min, float max) {}

    /**
     * @param source the model (its external data is read from its folder)
     * @param names  float tensors to observe, e.g. the activation inputs of MatMul nodes
     * @return statistics per observed tensor name; tensors ONNX Runtime does not produce are absent
     */
    public static Map<String, SecondMoment> collect(OnnxModel source, Set<String> names, CalibrationSettings settings,
                                                   ProgressListener progress) throws IOException {
        if (names.isEmpty() || !settings.enabled()) {
            return Map.of();
        }
        Path scratch = Files.createTempDirectory("modelpress-calibration-");
        try {
            Path augmented = scratch.resolve("calibration.onnx");
            new ModelWriter().write(exposing(source.proto(), names), source, augmented);
            return run(source, augmented, names, settings, progress);
        } finally {
            ScratchSpace.deleteTree(scratch);
        }
    }

    /** The model with {@code names} added to the graph outputs (of the type and shape ONNX Runtime infers). */
    static ModelProto exposing(ModelProto model, Set<String> names) {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        Set<String> observable = new LinkedHashSet<>();
        graph.getInputList().forEach(i -> observable.add(i.getName()));
        graph.getNodeList().forEach(node -> observable.addAll(node.getOutputList()));
        Set<String> present = new LinkedHashSet<>();
        graph.getOutputList().forEach(o -> present.add(o.getName()));
        for (String name : names) {
            // values of the main graph only: subgraph values cannot be graph outputs
            if (observable.contains(name) && present.add(name)) {
                // no type: ONNX Runtime infers it (float16 in float16 graphs; declaring float32 would be refused)
                graph.addOutput(ValueInfoProto.newBuilder().setName(name));
            }
        }
        return model.toBuilder().setGraph(graph).build();
    }

    /** Opens the augmented copy; a refusal is reported against the user's model, with a stable code. */
    private static OrtSession open(OrtEnvironment env, OnnxModel source, Path augmented, OrtSession.SessionOptions options) {
        try {
            return env.createSession(augmented.toString(), options);
        } catch (OrtException e) {
            throw OrtLoadFailure.of("the model", source.file(), e);
        }
    }

    private static Map<String, SecondMoment> run(OnnxModel source, Path augmented, Set<String> names,
                                                 CalibrationSettings settings, ProgressListener progress) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, double[]> sums = new HashMap<>();
        Map<String, Integer> features = new HashMap<>();
        Map<String, long[]> rows = new HashMap<>();
        Map<String, float[]> ranges = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = open(env, source, augmented, options)) {
            List<InputSpec> inputs = new ArrayList<>();
            for (NodeInfo input : session.getInputInfo().values()) {
                inputs.add(InputSpec.of(input));
            }
            Samples samples = settings.samples(inputs, GraphFacts.read(source.file()));
            Set<String> produced = new LinkedHashSet<>(names);
            produced.retainAll(session.getOutputNames());
            int done = 0;
            for (Sample sample : samples.samples()) {
                try (Feeds feeds = Feeds.of(env, session, sample);
                     OrtSession.Result result = session.run(feeds.tensors(), produced)) {
                    for (String name : produced) {
                        OnnxValue value = result.get(name).orElseThrow();
                        if (!(value instanceof OnnxTensor tensor)) {
                            continue;
                        }
                        long[] shape = tensor.getInfo().getShape();
                        float[] x = OrtTensors.floats(value).orElse(null);
                        if (x == null || shape.length == 0 || shape[shape.length - 1] < 1) {
                            continue;
                        }
                        int k = Math.toIntExact(shape[shape.length - 1]);
                        double[] sum = sums.computeIfAbsent(name, n -> new double[k * k]);
                        features.put(name, k);
                        accumulate(sum, x, k);
                        rows.computeIfAbsent(name, n -> new long[1])[0] += x.length / k;
                        float[] range = ranges.computeIfAbsent(name, n -> new float[]{Float.MAX_VALUE, -Float.MAX_VALUE});
                        for (float element : x) {
                            range[0] = Math.min(range[0], element);
                            range[1] = Math.max(range[1], element);
                        }
                    }
                }
                progress.onProgress(PROGRESS_STEP, (double) ++done / samples.samples().size());
            }
        } catch (OrtException e) {
            throw new UnsupportedModelException("ONNX Runtime failed while calibrating: " + e.getMessage(), e);
        }
        Map<String, SecondMoment> result = new HashMap<>();
        for (Map.Entry<String, double[]> entry : sums.entrySet()) {
            int k = features.get(entry.getKey());
            double[] xtx = entry.getValue();
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < a; b++) {
                    xtx[a * k + b] = xtx[b * k + a];
                }
            }
            float[] range = ranges.get(entry.getKey());
            result.put(entry.getKey(), new SecondMoment(k, xtx, rows.get(entry.getKey())[0], range[0], range[1]));
        }
        return result;
    }

    /** Adds {@code xᵀx} of the rows of {@code x} ({@code [rows, k]}) to the upper triangle of {@code sum}. */
    static void accumulate(double[] sum, float[] x, int k) {
        int rowCount = x.length / k;
        IntStream.range(0, k).parallel().forEach(a -> {
            int out = a * k;
            for (int r = 0; r < rowCount; r++) {
                int base = r * k;
                double xa = x[base + a];
                if (xa == 0) {
                    continue;
                }
                for (int b = a; b < k; b++) {
                    sum[out + b] += xa * x[base + b];
                }
            }
        });
    }
}
