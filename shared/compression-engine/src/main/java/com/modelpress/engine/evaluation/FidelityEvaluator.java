package com.modelpress.engine.evaluation;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import com.modelpress.contracts.FidelityReport.EvaluationInfo;
import com.modelpress.contracts.FidelityReport.Latency;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.SentenceEmbeddingFidelity;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelDefect;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Runs an original and a compressed model with ONNX Runtime (CPU, or CUDA when the settings say so) on the same inputs and measures how far the
 * compressed model's outputs are from the original's (see {@link OutputComparison} for the metrics).
 *
 * <p>Inputs come from {@link EvaluationSettings#inputsDir()} ({@link SampleFolders}), from an evaluation text
 * ({@link TextSamples}), or are synthesised from the original's input signature ({@link SyntheticInputs}); the same
 * seed gives the same metrics. A decoder LM ({@link ModelStructure}) is scored by {@link NextTokenEvaluation} instead:
 * prefill windows and decode steps, next-token distributions compared position by position. Vectors at
 * positions where an input named {@code attention_mask} is 0 are left out of outputs shaped
 * {@code [batch, sequence, …, last]} whose first two dimensions match the mask's. Outputs whose last dimension
 * is at least 2 and whose name contains {@code logit}, {@code prob} or {@code score}, or which come straight out
 * of a Softmax/LogSoftmax, also get top-1 agreement and KL divergence. Non-float outputs are left out, with a
 * note.
 *
 * <p>The models run one after the other, each in its own session built from the model's path (so external
 * data beside it resolves) with the same options: sequential execution, {@code ORT_ENABLE_ALL} graph
 * optimisation, ONNX Runtime's default intra-op threads, the settings' execution provider (CUDA on device 0, with
 * CPU for the nodes CUDA does not support) and config entries. The original's
 * outputs are kept in memory until the compressed model has run. Thread-safe: no state.
 */
public final class FidelityEvaluator {

    /** Untimed runs before latency is measured. */
    static final int WARM_UP_RUNS = 3;
    /** Committed heap above which {@link #releaseHeap} collects before a model is loaded. */
    static final long RELEASABLE_HEAP = 512L << 20;
    static final String PROGRESS_STEP = "evaluate";

    private FidelityEvaluator() {
    }

    /**
     * @param originalModel   the reference .onnx file; never null
     * @param compressedModel the .onnx file to judge, with the same inputs and outputs; never null
     * @param settings        never null
     * @param progress        told step {@value #PROGRESS_STEP} with the fraction of model runs done; never null
     * @throws InvalidModelException     when the original is not ONNX, or the given inputs are missing, malformed,
     *                                   do not fit the model, or mask every position of an output
     * @throws UnsupportedModelException when ONNX Runtime cannot load or run a model, or the compressed model's
     *                                   inputs or outputs do not match the original's
     */
    public static EvaluationResult evaluate(Path originalModel, Path compressedModel, EvaluationSettings settings,
                                            ProgressListener progress) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        GraphFacts facts = GraphFacts.read(originalModel);
        Map<String, String> recorded = new LinkedHashMap<>();
        progress.onProgress(PROGRESS_STEP, 0);
        if (facts.structure().isDecoder()) {
            try {
                return NextTokenEvaluation.evaluate(env, originalModel, compressedModel, facts, settings, progress);
            } catch (OrtException e) {
                throw new UnsupportedModelException("ONNX Runtime failed: " + e.getMessage(), e);
            }
        }
        try (SessionOptions options = sessionOptions(env, settings, recorded)) {
            Progress counter = new Progress(progress);
            // the compressed model's session is created while the original's is created and run: creating a session
            // is mostly one thread's work, and on a small machine it is most of a one-sample evaluation
            CompletableFuture<OrtSession> opening = openBeside(env, compressedModel, options);
            Baseline baseline;
            try {
                baseline = baseline(env, originalModel, facts, options, settings, counter, opening);
            } catch (OrtException | RuntimeException e) {
                closeWhenOpened(opening);
                throw e;
            }
            Samples samples = baseline.samples();
            OriginalRun original = baseline.original();
            Comparisons comparisons;
            double compressedMedianMs;
            try (OrtSession session = opened(opening)) {
                comparisons = new Comparisons(original, facts, baseline.maskInput());
                compressedMedianMs = runCompressed(env, session, compressedModel, samples, settings, counter,
                        comparisons);
            }
            Latency latency = settings.latencyRuns() == 0 ? null : new Latency(original.medianMs(),
                    compressedMedianMs, compressedMedianMs / original.medianMs(), settings.latencyRuns(),
                    settings.executionProvider().name());
            List<String> notes = new ArrayList<>(original.notes());
            List<OutputFidelity> outputs = comparisons.results(notes);
            progress.onProgress(PROGRESS_STEP, 1);
            return new EvaluationResult(outputs, latency, recorded, new EvaluationInfo(samples.source(),
                    samples.samples().size(), samples.description(), samples.text()), notes, facts.structure().info(), null,
                    comparisons.sentenceEmbeddings());
        } catch (OrtException e) {
            throw new UnsupportedModelException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** The samples, the original's outputs on them, and the name of the attention-mask input (nullable). */
    private record Baseline(Samples samples, OriginalRun original, String maskInput) {}

    /**
     * Opens the original, loads or synthesises the samples and runs them (and the latency runs) through it.
     *
     * @param opening the compressed model's session being created beside; the latency runs wait for it, so that
     *                they are timed on a machine doing nothing else
     */
    private static Baseline baseline(OrtEnvironment env, Path originalModel, GraphFacts facts, SessionOptions options,
                                     EvaluationSettings settings, Progress counter,
                                     CompletableFuture<OrtSession> opening) throws OrtException {
        try (OrtSession session = openReleasingHeap(env, "the model", originalModel, options)) {
            List<InputSpec> inputs = new ArrayList<>();
            for (NodeInfo input : session.getInputInfo().values()) {
                inputs.add(InputSpec.of(input));
            }
            Samples samples = NextTokenEvaluation.samples(inputs, facts, settings);
            int timedRuns = settings.latencyRuns() > 0 ? WARM_UP_RUNS + settings.latencyRuns() : 0;
            if (timedRuns > 0) {
                opening.handle((_, _) -> null).join();
            }
            counter.expect(2 * (samples.samples().size() + timedRuns));
            OriginalRun original = runOriginal(env, session, originalModel, samples, settings, counter);
            return new Baseline(samples, original, maskInput(inputs));
        }
    }

    /**
     * Scores many variants of one model against its outputs, computed once: each variant is the original with one
     * initializer's values replaced through ONNX Runtime's session-level initializer override, so no model file is
     * written per variant, or variants written as model files ({@link #score(Path)}). A swapped initializer computes
     * what the model with that one weight compressed computes when the encoding only changes the weight's values and
     * ONNX Runtime does not fuse the decoding into a kernel of its own (fp16, MatMulNBits, decoded lookup tables).
     *
     * <p>Not thread-safe. Holds the original's outputs on the heap.
     */
    public static final class Reference {

        private final OrtEnvironment env = OrtEnvironment.getEnvironment();
        private final Path model;
        private final EvaluationSettings settings;
        private final GraphFacts facts;
        private final Baseline baseline;

        /**
         * Runs the original on the evaluation samples ({@code settings}; latency is never measured here).
         *
         * @throws InvalidModelException     as {@link #evaluate}
         * @throws UnsupportedModelException as {@link #evaluate}
         */
        public Reference(Path originalModel, EvaluationSettings settings) {
            this.model = originalModel;
            this.settings = settings.withoutLatency();
            this.facts = GraphFacts.read(originalModel);
            try (SessionOptions options = sessionOptions(env, this.settings, new LinkedHashMap<>())) {
                this.baseline = baseline(env, originalModel, facts, options, this.settings,
                        new Progress(ProgressListener.NONE), CompletableFuture.completedFuture(null));
            } catch (OrtException e) {
                throw new UnsupportedModelException("ONNX Runtime failed: " + e.getMessage(), e);
            }
        }

        /** The fidelity of {@code variant}, a model with the original's inputs and outputs. */
        public List<OutputFidelity> score(Path variant) {
            Comparisons comparisons = new Comparisons(baseline.original(), facts, baseline.maskInput());
            try (SessionOptions options = sessionOptions(env, settings, new LinkedHashMap<>());
                 OrtSession session = open(env, "the variant", variant, options)) {
                runCompressed(env, session, variant, baseline.samples(), settings, new Progress(ProgressListener.NONE),
                        comparisons);
            } catch (OrtException e) {
                throw new UnsupportedModelException("ONNX Runtime failed on " + variant + ": " + e.getMessage(), e);
            }
            return comparisons.results(new ArrayList<>());
        }

        /**
         * The fidelity of the original with float32 initializer {@code name} holding {@code values} instead.
         *
         * @param values row-major, {@code dims} elements; a direct buffer in native order is used without a copy
         */
        public List<OutputFidelity> withInitializer(String name, long[] dims, FloatBuffer values) {
            return withInitializer(name, dims, ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT_VALUE, values);
        }

        /**
         * The fidelity of the original with initializer {@code name} holding {@code values} instead, rounded to the
         * initializer's type.
         *
         * @param dataType the ONNX type the initializer is stored in: FLOAT, FLOAT16 or BFLOAT16
         * @param values   row-major, {@code dims} elements; for FLOAT a direct buffer in native order is used without
         *                 a copy
         */
        public List<OutputFidelity> withInitializer(String name, long[] dims, int dataType, FloatBuffer values) {
            return score(model, name, dims, dataType, values);
        }

        /**
         * The fidelity of {@code variant} (a model with the original's inputs and outputs) with its initializer
         * {@code name} holding {@code values} instead; as {@link #withInitializer(String, long[], int, FloatBuffer)}.
         */
        public List<OutputFidelity> score(Path variant, String name, long[] dims, int dataType, FloatBuffer values) {
            Comparisons comparisons = new Comparisons(baseline.original(), facts, baseline.maskInput());
            try (SessionOptions options = sessionOptions(env, settings, new LinkedHashMap<>());
                 OnnxTensor replacement = initializer(env, dims, dataType, values)) {
                options.addInitializer(name, replacement);
                try (OrtSession session = open(env, "the variant", variant, options)) {
                    runCompressed(env, session, variant, baseline.samples(), settings, new Progress(ProgressListener.NONE),
                            comparisons);
                }
            } catch (OrtException e) {
                throw new UnsupportedModelException("ONNX Runtime failed with '" + name + "' replaced: "
                        + e.getMessage(), e);
            }
            return comparisons.results(new ArrayList<>());
        }

        private static OnnxTensor initializer(OrtEnvironment env, long[] dims, int dataType, FloatBuffer values)
                throws OrtException {
            boolean half = dataType == ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16_VALUE;
            if (!half && dataType != ai.onnx.proto.OnnxMl.TensorProto.DataType.BFLOAT16_VALUE) {
                return OnnxTensor.createTensor(env, values, dims);
            }
            java.nio.ByteBuffer bits = java.nio.ByteBuffer.allocateDirect(2 * values.remaining())
                    .order(java.nio.ByteOrder.nativeOrder());
            for (int i = values.position(); i < values.limit(); i++) {
                float value = values.get(i);
                bits.putShort(half ? Float.floatToFloat16(value) : com.modelpress.engine.graph.TensorCodec.toBfloat16(value));
            }
            bits.flip();
            return OnnxTensor.createTensor(env, bits, dims,
                    half ? ai.onnxruntime.OnnxJavaType.FLOAT16 : ai.onnxruntime.OnnxJavaType.BFLOAT16);
        }
    }

    /** The original's float outputs of every sample, in sample order, and its median latency (0 when not measured). */
    private record OriginalRun(List<String> outputNames, List<Map<String, OutputArray>> outputs, double medianMs,
                               List<String> notes) {}

    /** One output of one sample: C-order values with their shape. */
    private record OutputArray(long[] shape, float[] values) {

        /** Size of the last axis: 1 for a scalar. */
        int vectorLength() {
            return shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
        }
    }

    private static OriginalRun runOriginal(OrtEnvironment env, OrtSession session, Path model, Samples samples,
                                           EvaluationSettings settings, Progress progress) throws OrtException {
        List<String> names = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> output : session.getOutputInfo().entrySet()) {
            if (output.getValue().getInfo() instanceof TensorInfo tensor && isFloat(tensor)) {
                names.add(output.getKey());
            } else {
                notes.add("output '" + output.getKey() + "' (" + output.getValue().getInfo()
                        + ") not compared: only float tensors are");
            }
        }
        boolean userInputs = settings.inputsDir() != null;
        List<Map<String, OutputArray>> outputs = new ArrayList<>();
        for (Sample sample : samples.samples()) {
            outputs.add(run(env, session, model, sample, names, userInputs, samples.failureHint()));
            progress.advance();
        }
        return new OriginalRun(names, outputs, latency(env, session, model, samples, settings, progress), notes);
    }

    /** Runs every sample through the compressed model, comparing as it goes; returns its median latency. */
    private static double runCompressed(OrtEnvironment env, OrtSession session, Path model, Samples samples,
                                        EvaluationSettings settings, Progress progress, Comparisons comparisons)
            throws OrtException {
        for (String input : session.getInputNames()) {
            if (!samples.samples().getFirst().inputs().containsKey(input)) {
                throw new UnsupportedModelException("compressed model " + model + " has input '" + input
                        + "', which the original model does not have");
            }
        }
        for (String output : comparisons.outputNames()) {
            if (!session.getOutputNames().contains(output)) {
                throw new UnsupportedModelException("compressed model " + model + " lacks output '" + output + "'");
            }
        }
        for (int index = 0; index < samples.samples().size(); index++) {
            Sample sample = samples.samples().get(index);
            comparisons.add(index, sample, run(env, session, model, sample, comparisons.outputNames(), false, null));
            progress.advance();
        }
        return latency(env, session, model, samples, settings, progress);
    }

    /**
     * @param failureHint nullable: for synthesised samples, what to tell the user when the model fails on them (the
     *                    failure is then {@link ModelDefect#SYNTHESISED_INPUTS_REJECTED})
     */
    private static Map<String, OutputArray> run(OrtEnvironment env, OrtSession session, Path model, Sample sample,
                                                List<String> outputNames, boolean userInputs, String failureHint)
            throws OrtException {
        Map<String, OutputArray> outputs = new LinkedHashMap<>();
        try (Feeds feeds = Feeds.of(env, session, sample);
             OrtSession.Result result = session.run(feeds.tensors())) {
            for (String name : outputNames) {
                OnnxValue value = result.get(name).orElseThrow();
                float[] values = OrtTensors.floats(value).orElseThrow(() -> new UnsupportedModelException(
                        model + ": output '" + name + "' is not a float tensor"));
                outputs.put(name, new OutputArray(((OnnxTensor) value).getInfo().getShape(), values));
            }
        } catch (OrtException e) {
            String problem = model + " fails on sample " + sample.name() + ": " + e.getMessage();
            if (failureHint != null) {
                throw new UnsupportedModelException(ModelDefect.SYNTHESISED_INPUTS_REJECTED, problem + "; " + failureHint, e);
            }
            throw userInputs ? new InvalidModelException("the given inputs do not fit the model: " + problem, e)
                    : new UnsupportedModelException(problem, e);
        }
        return outputs;
    }

    /** Median wall time of {@code latencyRuns} runs of the first sample after warm-up, in ms; 0 when not asked for. */
    static double latency(OrtEnvironment env, OrtSession session, Path model, Samples samples,
                                  EvaluationSettings settings, Progress progress) throws OrtException {
        if (settings.latencyRuns() == 0) {
            return 0;
        }
        long[] nanos = new long[settings.latencyRuns()];
        try (Feeds feeds = Feeds.of(env, session, samples.samples().getFirst())) {
            for (int run = 0; run < WARM_UP_RUNS + nanos.length; run++) {
                long start = System.nanoTime();
                try (OrtSession.Result _ = session.run(feeds.tensors())) {
                    if (run >= WARM_UP_RUNS) {
                        nanos[run - WARM_UP_RUNS] = System.nanoTime() - start;
                    }
                }
                progress.advance();
            }
        } catch (OrtException e) {
            throw new UnsupportedModelException(model + " fails while timing: " + e.getMessage(), e);
        }
        Arrays.sort(nanos);
        int middle = nanos.length / 2;
        double median = nanos.length % 2 == 1 ? nanos[middle] : (nanos[middle - 1] + nanos[middle]) / 2.0;
        return median / 1e6;
    }

    static SessionOptions sessionOptions(OrtEnvironment env, EvaluationSettings settings,
                                                 Map<String, String> recorded) throws OrtException {
        SessionOptions options = new SessionOptions();
        try {
            options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
            recorded.put("execution_mode", "ORT_SEQUENTIAL");
            options.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
            recorded.put("graph_optimization_level", "ORT_ENABLE_ALL");
            recorded.put("intra_op_num_threads", "0 (ONNX Runtime default: one per physical core; "
                    + Runtime.getRuntime().availableProcessors() + " logical processors available)");
            if (settings.executionProvider() == ExecutionProvider.CUDA) {
                options.addCUDA(0);
                recorded.put("cuda_device_id", "0");
            }
            recorded.put("execution_provider", settings.executionProvider().name());
            recorded.put("onnxruntime_version", env.getVersion());
            for (Map.Entry<String, String> entry : new TreeMap<>(settings.sessionConfig()).entrySet()) {
                options.addConfigEntry(entry.getKey(), entry.getValue());
                recorded.put(entry.getKey(), entry.getValue());
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /**
     * {@link #open} of the compressed model on a thread of its own (not the common pool, which the passes use), with
     * the 8 MB stack the launchers give every thread ({@code -Xss8m}): ONNX Runtime can overrun 1 MB creating a session.
     */
    private static CompletableFuture<OrtSession> openBeside(OrtEnvironment env, Path model, SessionOptions options) {
        CompletableFuture<OrtSession> session = new CompletableFuture<>();
        Thread.ofPlatform().name("modelpress-open-compressed").daemon().stackSize(8L << 20).start(() -> {
            try {
                session.complete(openReleasingHeap(env, "the compressed model", model, options));
            } catch (Throwable e) {
                // an Error too (out of memory creating the session): a future left open would hang the evaluation
                session.completeExceptionally(e);
            }
        });
        return session;
    }

    /** The session {@link #openBeside} created, or the exception that creating it threw. */
    private static OrtSession opened(CompletableFuture<OrtSession> opening) {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e.getCause() instanceof RuntimeException runtime ? runtime : e;
        }
    }

    /**
     * Waits for {@link #openBeside} (its session options are closed after this) and closes what it opened: the
     * evaluation failed already, and that failure is the one to report.
     */
    private static void closeWhenOpened(CompletableFuture<OrtSession> opening) {
        OrtSession session = opening.handle((opened, _) -> opened).join();
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                // the failure being thrown is the one to report
            }
        }
    }

    /**
     * Collects the heap when the JVM has grown it past {@link #RELEASABLE_HEAP}: after a full collection G1 gives its
     * free regions back to the OS, so the resident set does not carry a compression's spent heap (at LLM scale, the
     * whole {@code -Xmx}) while ONNX Runtime holds a model's weights — the two together set the process's peak.
     */
    static void releaseHeap() {
        if (Runtime.getRuntime().totalMemory() > RELEASABLE_HEAP) {
            System.gc();
        }
    }

    /**
     * {@link #open}, after {@link #releaseHeap}: for the sessions of an evaluation (the original, the compressed model),
     * opened once each while a compression's spent heap may still be committed. The scorer's variants, opened once per
     * measured tensor, use {@link #open} alone: a full collection each time would cost more than the memory it returns.
     */
    static OrtSession openReleasingHeap(OrtEnvironment env, String role, Path model, SessionOptions options) {
        releaseHeap();
        return open(env, role, model, options);
    }

    static OrtSession open(OrtEnvironment env, String role, Path model, SessionOptions options) {
        try {
            return env.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw OrtLoadFailure.of(role, model, e);
        }
    }

    static boolean isFloat(TensorInfo tensor) {
        return switch (tensor.type) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> true;
            case INT8, INT16, INT32, INT64, UINT8, BOOL, STRING, UNKNOWN -> false;
        };
    }

    /** The input named like {@code attention_mask}, or null. */
    static String maskInput(List<InputSpec> inputs) {
        return inputs.stream().map(InputSpec::name)
                .filter(name -> name.toLowerCase(Locale.ROOT).contains("attention_mask"))
                .findFirst().orElse(null);
    }

    /** Compares each compressed output with the original's, sample by sample. */
    private static final class Comparisons {

        private final OriginalRun original;
        private final String maskInput;
        private final Map<String, OutputComparison> byOutput = new LinkedHashMap<>();
        /** Nullable: a text encoder's first token-vector output, pooled into sentence embeddings. */
        private final SentencePooling pooling;

        /** @param maskInput nullable: no attention mask */
        Comparisons(OriginalRun original, GraphFacts facts, String maskInput) {
            this.original = original;
            this.maskInput = maskInput;
            this.pooling = facts.structure().kind() != ModelStructure.Kind.ENCODER || original.outputs().isEmpty() ? null
                    : original.outputNames().stream()
                            .filter(name -> SentencePooling.pools(original.outputs().getFirst().get(name).shape()))
                            .findFirst().map(SentencePooling::new).orElse(null);
            for (String name : original.outputNames()) {
                int length = original.outputs().getFirst().get(name).vectorLength();
                String lower = name.toLowerCase(Locale.ROOT);
                boolean distribution = length >= 2 && (lower.contains("logit") || lower.contains("prob")
                        || lower.contains("score") || facts.softmaxOutputs().contains(name));
                boolean probabilities = distribution && original.outputs().stream().allMatch(
                        sample -> OutputComparison.looksLikeProbabilities(sample.get(name).values(), length));
                byOutput.put(name, new OutputComparison(name, distribution, probabilities));
            }
        }

        List<String> outputNames() {
            return original.outputNames();
        }

        void add(int index, Sample sample, Map<String, OutputArray> compressed) {
            for (Map.Entry<String, OutputComparison> entry : byOutput.entrySet()) {
                String name = entry.getKey();
                OutputArray reference = original.outputs().get(index).get(name);
                OutputArray candidate = compressed.get(name);
                if (!Arrays.equals(reference.shape(), candidate.shape())) {
                    throw new UnsupportedModelException("output '" + name + "' is " + Arrays.toString(candidate.shape())
                            + " in the compressed model but " + Arrays.toString(reference.shape())
                            + " in the original, on sample " + sample.name());
                }
                if (reference.values().length == 0) {
                    continue;
                }
                boolean[] keep = keep(reference.shape(), sample);
                entry.getValue().add(reference.values(), candidate.values(), reference.vectorLength(), keep);
                if (pooling != null && pooling.output().equals(name)) {
                    pooling.add(reference.shape(), reference.values(), candidate.values(), keep == null ? null
                            : sample.inputs().get(maskInput).toLongs());
                }
            }
        }

        /** Nullable: the pooled sentence embeddings' fidelity, for a text encoder. */
        SentenceEmbeddingFidelity sentenceEmbeddings() {
            return pooling == null ? null : pooling.result();
        }

        /** Per vector of an output, whether its position is unmasked; null when the mask does not apply. */
        private boolean[] keep(long[] shape, Sample sample) {
            return maskInput == null ? null : OutputComparison.unmasked(shape, sample.inputs().get(maskInput));
        }

        /**
         * @param notes receives one line per output that was masked or empty
         * @throws InvalidModelException when the mask leaves no vector of an output
         */
        List<OutputFidelity> results(List<String> notes) {
            List<OutputFidelity> results = new ArrayList<>();
            for (Map.Entry<String, OutputComparison> entry : byOutput.entrySet()) {
                String name = entry.getKey();
                OutputFidelity result = entry.getValue().resultNoting(maskInput, notes);
                if (result == null) {
                    continue;
                }
                long negligible = entry.getValue().negligible();
                if (negligible > 0 && negligible < entry.getValue().vectors()) {
                    notes.add("output '%s': cosines over %d of %d vectors; %d are about 0 in the original (under %s of"
                            .formatted(name, entry.getValue().vectors() - negligible, entry.getValue().vectors(), negligible,
                                    OutputComparison.NEGLIGIBLE) + " their sample's largest value), without a direction");
                }
                results.add(result);
            }
            return results;
        }
    }

    /** Counts model runs and reports the fraction done. */
    static final class Progress {

        private final ProgressListener listener;
        private int total = 1;
        private int done;

        Progress(ProgressListener listener) {
            this.listener = listener;
        }

        /** Sets how many runs make up the whole. */
        void expect(int runs) {
            this.total = Math.max(1, runs);
        }

        void advance() {
            advance(1);
        }

        void advance(int runs) {
            done += runs;
            listener.onProgress(PROGRESS_STEP, Math.min(1, (double) done / total));
        }
    }
}
