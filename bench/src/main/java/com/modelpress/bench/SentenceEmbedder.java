package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import com.modelpress.tokenizer.TokenBatch;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * Runs a BERT-style ONNX encoder on CPU with ONNX Runtime and mean-pools its {@code [batch, sequence, hidden]}
 * output into one vector per sentence. Owns one ONNX Runtime session: not thread-safe, close it when done.
 */
final class SentenceEmbedder implements AutoCloseable {

    private static final String INPUT_IDS = "input_ids";
    private static final String ATTENTION_MASK = "attention_mask";
    private static final String TOKEN_TYPE_IDS = "token_type_ids";

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final TextTokenizer tokenizer;
    private final Set<String> inputNames;
    private final String outputName;
    private final boolean clsPooling;

    /**
     * @param environment the process's ONNX Runtime environment; not closed by this class
     * @param model       an ONNX model with int64 {@code input_ids} and {@code attention_mask} inputs (and
     *                    optionally {@code token_type_ids}) and a rank-3 float output
     * @param threads     ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per physical core)
     * @throws IllegalArgumentException when the model has another signature
     */
    SentenceEmbedder(OrtEnvironment environment, Path model, TextTokenizer tokenizer, int threads)
            throws OrtException {
        this(environment, model, tokenizer, threads, false);
    }

    /** @param clsPooling take the first token's vector ({@code [CLS]}, as bge is meant to be used) instead of the mean */
    SentenceEmbedder(OrtEnvironment environment, Path model, TextTokenizer tokenizer, int threads, boolean clsPooling)
            throws OrtException {
        this.clsPooling = clsPooling;
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative, was " + threads);
        }
        this.environment = environment;
        this.tokenizer = tokenizer;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            this.session = environment.createSession(model.toString(), options);
        }
        try {
            this.inputNames = Set.copyOf(session.getInputNames());
            if (!inputNames.contains(INPUT_IDS) || !inputNames.contains(ATTENTION_MASK)
                    || !Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS).containsAll(inputNames)) {
                throw new IllegalArgumentException(model + ": expected inputs input_ids, attention_mask"
                        + " [, token_type_ids], found " + inputNames);
            }
            this.outputName = hiddenStateOutput(session, model);
        } catch (OrtException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private static String hiddenStateOutput(OrtSession session, Path model) throws OrtException {
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        if (outputs.containsKey("last_hidden_state")) {
            return "last_hidden_state";
        }
        return outputs.values().stream()
                .filter(info -> info.getInfo() instanceof TensorInfo tensor && tensor.getShape().length == 3)
                .map(NodeInfo::getName)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(
                        model + ": no rank-3 output to pool, outputs are " + outputs.keySet()));
    }

    /**
     * @param sentences never null
     * @param batchSize sentences per inference, at least 1
     * @return one mean-pooled vector per sentence, in order
     */
    float[][] embed(List<String> sentences, int batchSize) throws OrtException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        List<float[]> vectors = new ArrayList<>(sentences.size());
        for (int start = 0; start < sentences.size(); start += batchSize) {
            List<String> batch = sentences.subList(start, Math.min(sentences.size(), start + batchSize));
            vectors.addAll(Arrays.asList(embed(tokenizer.encodeBatch(batch))));
        }
        return vectors.toArray(float[][]::new);
    }

    /** @return one pooled vector (mean, or the first token's) per row of {@code batch} */
    float[][] embed(TokenBatch batch) throws OrtException {
        long[] shape = batch.shape();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(INPUT_IDS, OnnxTensor.createTensor(environment, LongBuffer.wrap(batch.inputIds()), shape));
            inputs.put(ATTENTION_MASK,
                    OnnxTensor.createTensor(environment, LongBuffer.wrap(batch.attentionMask()), shape));
            if (inputNames.contains(TOKEN_TYPE_IDS)) {
                inputs.put(TOKEN_TYPE_IDS,
                        OnnxTensor.createTensor(environment, LongBuffer.wrap(batch.tokenTypeIds()), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(outputName))) {
                OnnxTensor hidden = (OnnxTensor) result.get(outputName).orElseThrow();
                long[] hiddenShape = hidden.getInfo().getShape();
                int hiddenSize = Math.toIntExact(hiddenShape[2]);
                FloatBuffer buffer = hidden.getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                if (clsPooling) {
                    float[][] first = new float[batch.size()][hiddenSize];
                    for (int b = 0; b < batch.size(); b++) {
                        System.arraycopy(values, b * batch.sequenceLength() * hiddenSize, first[b], 0, hiddenSize);
                    }
                    return first;
                }
                return MeanPooling.pool(values, batch.attentionMask(), batch.size(), batch.sequenceLength(),
                        hiddenSize);
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
