package com.modelpress.engine.testing;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Perplexity and KL divergence of two decoders' next-token distributions computed straight with ONNX Runtime, apart
 * from the engine's code: for each window a prefill with an empty cache (positions 0…S−1, a mask of ones), each
 * position scored against the next token of the text, then decode steps feeding each model's {@code present.*} back
 * as its {@code past_key_values.*}. For tests that hold the engine's numbers against an independent computation.
 * Expects the Hugging Face signature ({@code input_ids}, {@code attention_mask}, optional {@code position_ids},
 * {@code past_key_values.N.key/value} → {@code logits}, {@code present.N.key/value}).
 */
public final class IndependentNextTokenMetrics {

    /**
     * @param prefillKl        mean KL(original ‖ compressed) over every prefill position
     * @param prefillPositions prefill positions scored
     * @param pplOriginal      exp(mean NLL) of the text's next tokens under the original, prefill positions
     * @param pplCompressed    the same under the compressed model
     * @param decodeKl         mean KL over every decode step; NaN without decode steps
     * @param decodePositions  decode steps scored
     */
    public record Result(double prefillKl, long prefillPositions, double pplOriginal, double pplCompressed,
                         double decodeKl, long decodePositions) {}

    private IndependentNextTokenMetrics() {
    }

    /**
     * @param windows       prefill token windows
     * @param continuations per window, the tokens after it in the text: at least {@code steps + 1}
     */
    public static Result compute(Path original, Path compressed, List<long[]> windows, List<long[]> continuations,
                                 int steps) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession a = env.createSession(original.toString(), options);
             OrtSession b = env.createSession(compressed.toString(), options)) {
            double kl = 0;
            double nllA = 0;
            double nllB = 0;
            long positions = 0;
            double decodeKl = 0;
            long decodePositions = 0;
            for (int w = 0; w < windows.size(); w++) {
                long[] window = windows.get(w);
                long[] next = continuations.get(w);
                List<float[]> logitsA = run(env, a, window, next, steps);
                List<float[]> logitsB = run(env, b, window, next, steps);
                int vocabulary = logitsA.getFirst().length / window.length;
                float[] prefillA = logitsA.getFirst();
                float[] prefillB = logitsB.getFirst();
                for (int t = 0; t < window.length; t++) {
                    long truth = t + 1 < window.length ? window[t + 1] : next[0];
                    double[] p = logSoftmax(prefillA, t * vocabulary, vocabulary);
                    double[] q = logSoftmax(prefillB, t * vocabulary, vocabulary);
                    kl += kl(p, q);
                    nllA -= p[(int) truth];
                    nllB -= q[(int) truth];
                    positions++;
                }
                for (int s = 0; s < steps; s++) {
                    decodeKl += kl(logSoftmax(logitsA.get(1 + s), 0, vocabulary), logSoftmax(logitsB.get(1 + s), 0, vocabulary));
                    decodePositions++;
                }
            }
            return new Result(kl / positions, positions, Math.exp(nllA / positions), Math.exp(nllB / positions),
                    decodePositions == 0 ? Double.NaN : decodeKl / decodePositions, decodePositions);
        }
    }

    /** The prefill logits, then each decode step's. */
    private static List<float[]> run(OrtEnvironment env, OrtSession session, long[] window, long[] next, int steps)
            throws OrtException {
        List<float[]> logits = new ArrayList<>();
        OrtSession.Result result = session.run(feeds(env, session, new long[][] {window}, window.length, 0, null));
        try {
            logits.add(floats(result.get("logits").orElseThrow()));
            for (int s = 0; s < steps; s++) {
                OrtSession.Result step = session.run(feeds(env, session, new long[][] {{next[s]}}, 1, window.length + s, result));
                result.close();
                result = step;
                logits.add(floats(result.get("logits").orElseThrow()));
            }
        } finally {
            result.close();
        }
        return logits;
    }

    private static Map<String, OnnxTensor> feeds(OrtEnvironment env, OrtSession session, long[][] tokens, int length,
                                                 int past, OrtSession.Result previous) throws OrtException {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
            String name = input.getKey();
            TensorInfo info = (TensorInfo) input.getValue().getInfo();
            switch (name) {
                case "input_ids" -> feeds.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens[0]), new long[] {1, length}));
                case "attention_mask" -> {
                    long[] ones = new long[past + length];
                    java.util.Arrays.fill(ones, 1);
                    feeds.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(ones), new long[] {1, ones.length}));
                }
                case "position_ids" -> {
                    long[] positions = new long[length];
                    for (int i = 0; i < length; i++) {
                        positions[i] = past + i;
                    }
                    feeds.put(name, OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {1, length}));
                }
                default -> {
                    if (!name.startsWith("past_key_values.")) {
                        throw new IllegalArgumentException("unexpected input " + name);
                    }
                    if (previous != null) {
                        feeds.put(name, (OnnxTensor) previous.get(name.replace("past_key_values.", "present.")).orElseThrow());
                    } else {
                        long[] shape = info.getShape();
                        shape[0] = 1;
                        shape[2] = 0;
                        feeds.put(name, info.type == OnnxJavaType.FLOAT16
                                ? OnnxTensor.createTensor(env, ShortBuffer.allocate(0), shape, OnnxJavaType.FLOAT16)
                                : OnnxTensor.createTensor(env, FloatBuffer.allocate(0), shape));
                    }
                }
            }
        }
        return feeds;
    }

    private static float[] floats(ai.onnxruntime.OnnxValue value) {
        FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static double[] logSoftmax(float[] logits, int offset, int vocabulary) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocabulary; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double sum = 0;
        for (int i = 0; i < vocabulary; i++) {
            sum += Math.exp(logits[offset + i] - max);
        }
        double log = max + Math.log(sum);
        double[] result = new double[vocabulary];
        for (int i = 0; i < vocabulary; i++) {
            result[i] = logits[offset + i] - log;
        }
        return result;
    }

    private static double kl(double[] logP, double[] logQ) {
        double kl = 0;
        for (int i = 0; i < logP.length; i++) {
            kl += Math.exp(logP[i]) * (logP[i] - logQ[i]);
        }
        return kl;
    }
}
