package com.modelpress.contracts;

import java.util.List;
import java.util.Map;

/**
 * How a compressed model was made and how close it stays to the original, measured with ONNX Runtime.
 * The JSON names of these components are a public contract: keep them stable and bump
 * {@link #SCHEMA_VERSION} when one changes meaning.
 *
 * @param schemaVersion     {@link #SCHEMA_VERSION}
 * @param method            the method id that produced the model ({@code fp16}, {@code int8}, …)
 * @param options           the options in force, defaults filled in
 * @param inputSha256       SHA-256 of the original model file (the .onnx, not its external data)
 * @param outputSha256      SHA-256 of the compressed model file
 * @param nothingToCompress true when no tensor qualified; the output is then a byte copy of the input
 * @param sizes             file sizes, external data included
 * @param bitsPerWeight     8 × bytes of all weight tensors after / number of weight elements before
 * @param outputs           fidelity per model output
 * @param tensors           what happened to each weight tensor
 * @param latency           median latency of both models; nullable when not measured
 * @param evaluation        how the evaluation inputs were obtained
 * @param seed              the seed that makes synthesised inputs reproducible
 * @param sessionOptions    ONNX Runtime session settings both models were scored under
 * @param versions          engine, ONNX Runtime and Java versions
 * @param timings           wall time of each step, in order
 * @param notes             human-readable remarks (skipped tensors summary, fallbacks)
 * @param sensitivity       compressed tensors ranked by measured sensitivity, most sensitive first; empty unless
 *                          asked for (it costs one evaluation per tensor)
 */
public record FidelityReport(
        int schemaVersion,
        String method,
        CompressionOptions options,
        String inputSha256,
        String outputSha256,
        boolean nothingToCompress,
        Sizes sizes,
        double bitsPerWeight,
        List<OutputFidelity> outputs,
        List<TensorReport> tensors,
        Latency latency,
        EvaluationInfo evaluation,
        long seed,
        Map<String, String> sessionOptions,
        Versions versions,
        List<StepTiming> timings,
        List<String> notes,
        List<TensorSensitivity> sensitivity) {

    public static final int SCHEMA_VERSION = 1;

    public FidelityReport {
        outputs = List.copyOf(outputs);
        tensors = List.copyOf(tensors);
        sessionOptions = Map.copyOf(sessionOptions);
        timings = List.copyOf(timings);
        notes = List.copyOf(notes);
        sensitivity = sensitivity == null ? List.of() : List.copyOf(sensitivity);
    }

    /** A report without a sensitivity ranking. */
    public FidelityReport(int schemaVersion, String method, CompressionOptions options, String inputSha256,
                          String outputSha256, boolean nothingToCompress, Sizes sizes, double bitsPerWeight,
                          List<OutputFidelity> outputs, List<TensorReport> tensors, Latency latency,
                          EvaluationInfo evaluation, long seed, Map<String, String> sessionOptions, Versions versions,
                          List<StepTiming> timings, List<String> notes) {
        this(schemaVersion, method, options, inputSha256, outputSha256, nothingToCompress, sizes, bitsPerWeight, outputs,
                tensors, latency, evaluation, seed, sessionOptions, versions, timings, notes, List.of());
    }

    /**
     * How much compressing one tensor alone (the rest left as in the original) costs the model's outputs.
     *
     * @param name       the tensor
     * @param method     how it is compressed in this report's model
     * @param bits       bits per stored element
     * @param cosineLoss {@code 1 −} the worst output's mean cosine with only this tensor compressed
     */
    public record TensorSensitivity(String name, String method, int bits, double cosineLoss) {}

    /** The lowest mean cosine over all outputs; 1.0 when the model has no float outputs. */
    public double worstCosineMean() {
        return worstCosineMean(outputs);
    }

    /** The lowest mean cosine of {@code outputs}; 1.0 when there are none. */
    public static double worstCosineMean(List<OutputFidelity> outputs) {
        return outputs.stream().mapToDouble(OutputFidelity::cosineMean).min().orElse(1.0);
    }

    /**
     * @param originalBytes         original model file plus its external data files
     * @param compressedBytes       compressed model file plus its external data files
     * @param ratio                 compressedBytes / originalBytes
     * @param originalWeightBytes   bytes of weight tensors before
     * @param compressedWeightBytes bytes of weight tensors after (quantized data, scales and zero points)
     */
    public record Sizes(long originalBytes, long compressedBytes, double ratio,
                        long originalWeightBytes, long compressedWeightBytes) {}

    /**
     * Fidelity of one output, compared vector by vector along the last axis; positions masked out by an
     * {@code attention_mask} input are excluded.
     *
     * @param top1Agreement nullable: only for outputs that look like logits or probabilities
     * @param klDivergence  nullable: as above; mean KL(original ‖ compressed) of the softmax distributions
     * @param vectors       number of vectors compared
     */
    public record OutputFidelity(
            String name, double cosineMean, double cosineMin, double relativeL2, double maxAbsError,
            double sqnrDb, Double top1Agreement, Double klDivergence, long vectors) {}

    /**
     * @param name            the tensor's name in the original model
     * @param method          {@code fp16 | int8 | int4 | kept}
     * @param encoding        how it is stored, e.g. {@code MatMulNBits}, {@code DequantizeLinear(axis=1)},
     *                        {@code Gather+int8 rows}; for {@code kept}, nullable
     * @param bits            bits per element of the stored values (32 when kept as float)
     * @param blockSize       nullable: only for block-wise encodings
     * @param elements        number of elements
     * @param originalBytes   bytes before
     * @param compressedBytes bytes after, scales and zero points included
     * @param sqnrDb          weight signal-to-quantization-noise ratio in dB; nullable when kept
     * @param reason          nullable: why a tensor was kept
     */
    public record TensorReport(
            String name, String method, String encoding, int bits, Integer blockSize, long elements,
            long originalBytes, long compressedBytes, Double sqnrDb, String reason) {}

    /**
     * @param originalMedianMs   median latency of one inference of the original model, in milliseconds
     * @param compressedMedianMs same for the compressed model
     * @param ratio              compressed / original
     * @param runs               timed runs per model (after warm-up)
     * @param executionProvider  e.g. {@code CPU}
     */
    public record Latency(double originalMedianMs, double compressedMedianMs, double ratio, int runs,
                          String executionProvider) {}

    /**
     * @param source      {@code synthesised} or the folder the samples came from
     * @param samples     number of samples evaluated
     * @param description how inputs were built, one entry per model input
     */
    public record EvaluationInfo(String source, int samples, List<String> description) {
        public EvaluationInfo {
            description = List.copyOf(description);
        }
    }

    public record Versions(String engine, String onnxRuntime, String java) {}

    /** @param millis wall time of the step, in milliseconds */
    public record StepTiming(String step, long millis) {}
}
