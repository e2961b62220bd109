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
 * @param model             nullable (reports written before it existed): what kind of model the engine recognised
 * @param languageModel     nullable: next-token fidelity, only for a recognised decoder LM
 * @param calibrationText   nullable: the text calibration ran on, when it ran on text
 * @param verdict           {@code lossless}, {@code close}, {@code degraded} or {@code broken}: the bands of
 *                          {@link FidelityVerdict} on the outputs (a decoder LM: its next-token metrics); derived from
 *                          them when not given (reports written before it existed)
 * @param sentenceEmbeddings nullable: for a text encoder's token-vector output, the cosine of attention-masked
 *                          mean-pooled and first-token ([CLS]) sentence embeddings
 * @param auto              nullable: only for {@code auto}, what it searched for, whether it got there and what it chose
 * @param autoCandidates    {@code auto} only (else empty): every mix the search scored, in the order it scored them,
 *                          the one the model uses marked
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
        List<TensorSensitivity> sensitivity,
        ModelInfo model,
        LanguageModelFidelity languageModel,
        TextInfo calibrationText,
        String verdict,
        SentenceEmbeddingFidelity sentenceEmbeddings,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        AutoOutcome auto,
        List<AutoCandidate> autoCandidates) {

    /**
     * Unchanged by {@code model}, {@code languageModel}, {@code calibrationText}, {@code verdict},
     * {@code sentenceEmbeddings}, {@code auto}, {@code autoCandidates} and the histograms: fields added, none changed meaning.
     */
    public static final int SCHEMA_VERSION = 1;

    public FidelityReport {
        outputs = List.copyOf(outputs);
        tensors = List.copyOf(tensors);
        sessionOptions = Map.copyOf(sessionOptions);
        timings = List.copyOf(timings);
        notes = List.copyOf(notes);
        sensitivity = sensitivity == null ? List.of() : List.copyOf(sensitivity);
        if (verdict == null) {
            verdict = FidelityVerdict.of(outputs, languageModel).level();
        } else if (!FidelityVerdict.LEVELS.contains(verdict)) {
            throw new IllegalArgumentException("verdict must be one of " + FidelityVerdict.LEVELS + ", not " + verdict);
        }
        autoCandidates = autoCandidates == null ? List.of() : List.copyOf(autoCandidates);
    }

    /** A report whose verdict is derived from its metrics, without sentence-embedding metrics or an auto outcome. */
    public FidelityReport(int schemaVersion, String method, CompressionOptions options, String inputSha256,
                          String outputSha256, boolean nothingToCompress, Sizes sizes, double bitsPerWeight,
                          List<OutputFidelity> outputs, List<TensorReport> tensors, Latency latency,
                          EvaluationInfo evaluation, long seed, Map<String, String> sessionOptions, Versions versions,
                          List<StepTiming> timings, List<String> notes, List<TensorSensitivity> sensitivity,
                          ModelInfo model, LanguageModelFidelity languageModel, TextInfo calibrationText) {
        this(schemaVersion, method, options, inputSha256, outputSha256, nothingToCompress, sizes, bitsPerWeight, outputs,
                tensors, latency, evaluation, seed, sessionOptions, versions, timings, notes, sensitivity, model,
                languageModel, calibrationText, null, null, null, List.of());
    }

    /**
     * How close a text encoder's sentence embeddings stay, pooled from its token vectors as sentence-embedding models
     * are used, over the evaluation samples (positions an {@code attention_mask} marks as padding left out).
     *
     * @param output              the {@code [batch, sequence, hidden]} output pooled
     * @param sentences           sentence embeddings compared
     * @param meanPooledCosineMean mean cosine of the attention-masked mean-pooled embeddings
     * @param meanPooledCosineMin  the lowest of them
     * @param clsCosineMean        mean cosine of the first-token ([CLS]) embeddings
     * @param clsCosineMin         the lowest of them
     */
    public record SentenceEmbeddingFidelity(String output, int sentences, double meanPooledCosineMean,
                                            double meanPooledCosineMin, double clsCosineMean, double clsCosineMin) {}

    /**
     * What {@code auto} was asked for and what it reached. Deterministic: the search is bounded by a number of
     * evaluations, so the same inputs give the same model on any machine; only a wall-clock limit can stop it earlier,
     * and {@code stoppedEarly} then says so.
     *
     * @param target          the target as asked, e.g. {@code size 2.5MB, KL 0.0100}
     * @param targetMet       whether every part of the target holds on the evaluation samples (a size always does)
     * @param missedBy        one line per bound that does not hold, with the measured value and the gap; empty when met
     * @param evaluations     model evaluations the search ran (sensitivity measurements included)
     * @param maxEvaluations  the most it could run
     * @param stoppedEarly    nullable: why the search stopped before it was done (the wall-clock limit)
     * @param fit             nullable: for a size target, the per-tensor widths and the size-against-fidelity curve
     */
    public record AutoOutcome(String target, boolean targetMet, List<String> missedBy, int evaluations,
                              int maxEvaluations, String stoppedEarly, SizeFit fit) {
        public AutoOutcome {
            missedBy = missedBy == null ? List.of() : List.copyOf(missedBy);
        }
    }

    /**
     * A model fitted to a size by mixing bit widths per tensor.
     *
     * @param targetBytes         the most bytes the model file plus external data may take
     * @param targetBitsPerWeight nullable: the bits per weight asked for
     * @param bytes               the model's bytes as written, external data included
     * @param metric              what damage is: {@code kl} (mean KL of the next-token distributions or of the logits)
     *                            or {@code 1-cosine} (the worst output's mean cosine)
     * @param predicted           the damage predicted from the measurements: the all-4-bit model's plus the chosen
     *                            widths' changes
     * @param measured            nullable: the damage measured on the evaluation samples, for the chosen model
     * @param widths              the width chosen per tensor, with its bytes and measured damage, largest tensor first
     * @param curve               the planner's candidates from the 2-bit floor to the size asked for: size against
     *                            predicted damage, and measured damage where a candidate was evaluated end to end
     */
    public record SizeFit(long targetBytes, Double targetBitsPerWeight, long bytes, String metric, double predicted,
                          Double measured, List<TensorWidth> widths, List<CurvePoint> curve) {
        public SizeFit {
            widths = List.copyOf(widths);
            curve = List.copyOf(curve);
        }
    }

    /**
     * @param name      the tensor
     * @param bits      2, 4, 8, or 16 (kept in 16 bits)
     * @param blockSize nullable: elements per scale (16-bit: none)
     * @param bytes     bytes stored for it (codes, scales, zero points)
     * @param damage    measured on calibration data around the last plan the search scored whole: how much that
     *                  plan's damage changes when only this tensor takes this width (0 at its width in that plan)
     */
    public record TensorWidth(String name, int bits, Integer blockSize, long bytes, double damage) {}

    /**
     * @param bytes         predicted bytes of the model at this point
     * @param bitsPerWeight predicted bits per weight
     * @param predicted     the predicted damage
     * @param measured      nullable: measured on the evaluation samples when this candidate was evaluated
     */
    public record CurvePoint(long bytes, double bitsPerWeight, double predicted, Double measured) {}

    /** A report without a sensitivity ranking. */
    public FidelityReport(int schemaVersion, String method, CompressionOptions options, String inputSha256,
                          String outputSha256, boolean nothingToCompress, Sizes sizes, double bitsPerWeight,
                          List<OutputFidelity> outputs, List<TensorReport> tensors, Latency latency,
                          EvaluationInfo evaluation, long seed, Map<String, String> sessionOptions, Versions versions,
                          List<StepTiming> timings, List<String> notes) {
        this(schemaVersion, method, options, inputSha256, outputSha256, nothingToCompress, sizes, bitsPerWeight, outputs,
                tensors, latency, evaluation, seed, sessionOptions, versions, timings, notes, List.of());
    }

    /** A report without model recognition or language-model metrics. */
    public FidelityReport(int schemaVersion, String method, CompressionOptions options, String inputSha256,
                          String outputSha256, boolean nothingToCompress, Sizes sizes, double bitsPerWeight,
                          List<OutputFidelity> outputs, List<TensorReport> tensors, Latency latency,
                          EvaluationInfo evaluation, long seed, Map<String, String> sessionOptions, Versions versions,
                          List<StepTiming> timings, List<String> notes, List<TensorSensitivity> sensitivity) {
        this(schemaVersion, method, options, inputSha256, outputSha256, nothingToCompress, sizes, bitsPerWeight, outputs,
                tensors, latency, evaluation, seed, sessionOptions, versions, timings, notes, sensitivity, null, null, null);
    }

    /**
     * What the engine recognised from the graph.
     *
     * @param kind           {@code decoder-lm} (logits over a vocabulary, causal: a KV cache, a causal attention op or a
     *                       causal mask), {@code encoder} (token ids into an embedding table, not causal),
     *                       {@code vision} (a float NCHW input into a Conv), {@code other}
     * @param attention      nullable: {@code GroupQueryAttention}, {@code MultiHeadAttention}, {@code Attention} (contrib
     *                       ops) or {@code subgraph} (plain MatMul/Softmax attention)
     * @param layers         nullable: attention layers (KV-cache pairs per key/value, else attention ops or Softmax nodes)
     * @param heads          nullable: query heads, when the graph says (contrib-op attribute or the query projection's width)
     * @param kvHeads        nullable: key/value heads (the KV cache's second dimension, or the contrib-op attribute)
     * @param headDim        nullable: size of one head (the KV cache's last dimension)
     * @param vocabulary     nullable: rows of the embedding table (or the logits' last dimension)
     * @param tiedEmbeddings the embedding table also feeds the LM head's MatMul/Gemm (directly or through Transpose)
     * @param logitsOutput   nullable: the graph output holding next-token logits
     * @param kvCache        graph input → output pairs that carry the KV cache ({@code past_key_values.N.key →
     *                       present.N.key}); empty without a cache
     */
    public record ModelInfo(String kind, String attention, Integer layers, Integer heads, Integer kvHeads,
                            Integer headDim, Long vocabulary, boolean tiedEmbeddings, String logitsOutput,
                            List<KvCachePair> kvCache) {
        public ModelInfo {
            kvCache = kvCache == null ? List.of() : List.copyOf(kvCache);
        }
    }

    /** @param input the graph input a cache tensor is fed through; @param output the graph output it comes back as */
    public record KvCachePair(String input, String output) {}

    /**
     * A text file that evaluation or calibration ran on, tokenized with the model's tokenizer.
     *
     * @param file    the file name as given
     * @param sha256  SHA-256 of the file's bytes, lowercase hex
     * @param tokens  tokens in the whole text (decoders: one stream; encoders: all lines)
     * @param windows how many windows (decoders) or lines (encoders) were used
     * @param context tokens per window (decoders) or the longest line after truncation (encoders)
     */
    public record TextInfo(String file, String sha256, long tokens, int windows, int context) {}

    /**
     * How close the compressed decoder's next-token distributions stay to the original's (the metrics of llama.cpp's
     * {@code perplexity --kl-divergence}), over real tokens only (positions an {@code attention_mask} marks as padding
     * are left out), for the prefill windows and for the decode steps that follow them, each model running its own
     * KV cache.
     *
     * @param logitsOutput the output scored
     * @param source       {@code text} (true next tokens known), {@code synthesised} or the samples folder
     * @param windows      prefill windows scored
     * @param context      tokens per prefill window (the longest, when windows differ)
     * @param decodeSteps  decode steps after each window (0 without a KV cache or when turned off)
     * @param prefill      the distributions the prefill pass computes, one per window position
     * @param decode       nullable: the distributions after each decode step (present fed back as past)
     * @param bands        llama.cpp reference points the numbers are placed against, strongest first
     */
    public record LanguageModelFidelity(String logitsOutput, String source, int windows, int context, int decodeSteps,
                                        NextTokenFidelity prefill, NextTokenFidelity decode, List<ReferenceBand> bands) {
        public LanguageModelFidelity {
            bands = bands == null ? List.of() : List.copyOf(bands);
        }
    }

    /**
     * Next-token fidelity over one phase. KL divergence is KL(original ‖ compressed) of the softmax distributions, in
     * nats, computed from log-softmax in double precision.
     *
     * @param positions            distributions compared
     * @param perplexityOriginal   nullable (no true next tokens): exp(mean negative log-likelihood of the true next
     *                             token) under the original
     * @param perplexityCompressed nullable: the same under the compressed model
     * @param lnPerplexityRatio    nullable: ln(PPL compressed / PPL original) = the mean NLL difference
     * @param klMean               mean KL divergence
     * @param klMedian             median KL divergence
     * @param klP99                99th percentile KL divergence (nearest rank)
     * @param klMax                largest KL divergence
     * @param sameTop1             fraction of positions where both models' most likely token is the same, in [0, 1]
     * @param top5Overlap          mean fraction of the original's 5 most likely tokens among the compressed model's 5
     * @param rmsDeltaP            nullable: root mean square of p_compressed(true token) − p_original(true token)
     * @param band                 the llama.cpp quantization level whose typical mean KL this phase's mean KL is within
     *                             ({@code Q8_0}, {@code Q6_K}, {@code Q4_K_M}), or {@code worse than Q4_K_M}
     * @param klHistogram          nullable (reports written before it): the KL divergence of every position
     * @param sameTop1ByPosition   nullable (as above): same top-1 along the window (prefill) or by decode step (decode)
     */
    public record NextTokenFidelity(long positions, Double perplexityOriginal, Double perplexityCompressed,
                                    Double lnPerplexityRatio, double klMean, double klMedian, double klP99, double klMax,
                                    double sameTop1, double top5Overlap, Double rmsDeltaP, String band,
                                    LogHistogram klHistogram, PositionAgreement sameTop1ByPosition) {

        /** Without the distributions. */
        public NextTokenFidelity(long positions, Double perplexityOriginal, Double perplexityCompressed,
                                 Double lnPerplexityRatio, double klMean, double klMedian, double klP99, double klMax,
                                 double sameTop1, double top5Overlap, Double rmsDeltaP, String band) {
            this(positions, perplexityOriginal, perplexityCompressed, lnPerplexityRatio, klMean, klMedian, klP99, klMax,
                    sameTop1, top5Overlap, rmsDeltaP, band, null, null);
        }
    }

    /**
     * How often a non-negative quantity (1 − cosine, a KL divergence) fell in each range, on a log10 scale: a compact,
     * bounded picture of a distribution whose summary (mean, min, p99) hides its shape.
     *
     * @param log10From lower edge of the first bin, as a power of ten
     * @param log10To   upper edge of the last bin, as a power of ten
     * @param counts    values per bin; bins are equally wide in log10
     * @param below     values under {@code 10^log10From}, zero (and rounding noise under zero) included
     * @param above     values at or over {@code 10^log10To}
     */
    public record LogHistogram(double log10From, double log10To, List<Long> counts, long below, long above) {
        public LogHistogram {
            counts = List.copyOf(counts);
        }

        /** Every value counted. */
        public long total() {
            return below + above + counts.stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Same top-1 along a sequence, with consecutive positions grouped into buckets of equal width so that the list stays
     * short (at most 64 entries) for any context length.
     *
     * @param bucketWidth positions per bucket (the last bucket may cover fewer)
     * @param sameTop1    per bucket, the fraction of its compared distributions whose most likely token is the same in
     *                    both models, in [0, 1]
     * @param compared    per bucket, distributions compared
     */
    public record PositionAgreement(int bucketWidth, List<Double> sameTop1, List<Long> compared) {
        public PositionAgreement {
            sameTop1 = List.copyOf(sameTop1);
            compared = List.copyOf(compared);
        }
    }

    /**
     * One mix {@code auto} compressed and scored while searching.
     *
     * @param label           what was tried, e.g. {@code all int4} or {@code 12 most sensitive of 38 tensors in int8, the
     *                        rest int4}
     * @param compressedBytes the candidate's file size, external data included
     * @param sizeRatio       compressedBytes / the original's
     * @param cosine          the worst output's mean cosine
     * @param klMean          nullable: for decoder LMs, the mean KL of the prefill next-token distributions
     * @param meetsTarget     whether it met the target
     * @param chosen          whether the returned model is this mix
     */
    public record AutoCandidate(String label, long compressedBytes, double sizeRatio, double cosine, Double klMean,
                                boolean meetsTarget, boolean chosen) {}

    /**
     * A llama.cpp quantization level and what its {@code perplexity --kl-divergence} measured (LLaMA 2 7B and LLaMA 3
     * 8B against fp16 on wikitext-2; the first value is the smaller of the two models' numbers).
     *
     * @param name         {@code Q8_0}, {@code Q6_K}, {@code Q4_K_M}
     * @param klMeanLow    mean KL of the model that lost less
     * @param klMeanHigh   mean KL of the model that lost more
     * @param sameTop1Low  same top-1 of the model that lost more, in [0, 1]
     * @param sameTop1High same top-1 of the model that lost less
     */
    public record ReferenceBand(String name, double klMeanLow, double klMeanHigh, double sameTop1Low,
                                double sameTop1High) {}

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
     * @param cosineLossHistogram nullable (reports written before it): {@code 1 − cosine} of every vector compared
     * @param klHistogram   nullable: as {@code klDivergence}, the KL divergence of every vector compared
     */
    public record OutputFidelity(
            String name, double cosineMean, double cosineMin, double relativeL2, double maxAbsError,
            double sqnrDb, Double top1Agreement, Double klDivergence, long vectors,
            LogHistogram cosineLossHistogram, LogHistogram klHistogram) {

        /** Without the distributions. */
        public OutputFidelity(String name, double cosineMean, double cosineMin, double relativeL2, double maxAbsError,
                              double sqnrDb, Double top1Agreement, Double klDivergence, long vectors) {
            this(name, cosineMean, cosineMin, relativeL2, maxAbsError, sqnrDb, top1Agreement, klDivergence, vectors,
                    null, null);
        }
    }

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
     * @param text        nullable: the evaluation text, when the samples were cut from one
     */
    public record EvaluationInfo(String source, int samples, List<String> description, TextInfo text) {
        public EvaluationInfo {
            description = List.copyOf(description);
        }

        public EvaluationInfo(String source, int samples, List<String> description) {
            this(source, samples, description, null);
        }
    }

    public record Versions(String engine, String onnxRuntime, String java) {}

    /** @param millis wall time of the step, in milliseconds */
    public record StepTiming(String step, long millis) {}
}
