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
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.contracts.FidelityReport.Latency;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a compressed decoder LM against its original the way LLM users judge one: both models run side by side
 * on the same prefill windows (text or synthesised), their next-token distributions are compared at every real
 * position ({@link NextTokenStats}), and then, when the model has a KV cache, each model runs {@code decodeSteps}
 * decode steps after each window feeding its own {@code present} outputs back as {@code past} inputs — the token fed
 * is the text's next token, or without a text the original's most likely token, the same for both models. The
 * prefill outputs are also compared vector by vector ({@link OutputComparison}) as for any model.
 *
 * <p>Both sessions are open at once (the original's logits are never stored); memory is the two sessions plus one
 * window's outputs. Thread-safe: no state.
 */
final class NextTokenEvaluation {

    private NextTokenEvaluation() {
    }

    /** The samples a decoder is scored on: cut from the text, loaded from the folder, or synthesised. */
    static Samples samples(List<InputSpec> inputs, GraphFacts facts, EvaluationSettings settings) {
        if (settings.text() != null) {
            int continuation = facts.structure().hasCache() && facts.structure().isDecoder() ? settings.decodeSteps() + 1 : 1;
            return TextSamples.of(inputs, facts, settings.text(), settings.context(), continuation, settings.samples());
        }
        return settings.inputsDir() == null ? SyntheticInputs.synthesise(inputs, facts, settings.samples(), settings.seed())
                : SampleFolders.load(settings.inputsDir(), inputs);
    }

    static EvaluationResult evaluate(OrtEnvironment env, Path originalModel, Path compressedModel, GraphFacts facts,
                                     EvaluationSettings settings, ProgressListener listener) throws OrtException {
        ModelStructure structure = facts.structure();
        Map<String, String> recorded = new LinkedHashMap<>();
        try (SessionOptions options = FidelityEvaluator.sessionOptions(env, settings, recorded);
             OrtSession original = FidelityEvaluator.open(env, "the model", originalModel, options);
             OrtSession compressed = FidelityEvaluator.open(env, "the compressed model", compressedModel, options)) {
            List<InputSpec> inputs = specs(original);
            List<String> outputs = floatOutputs(original);
            checkSignature(original, compressed, compressedModel, outputs);
            Samples samples = samples(inputs, facts, settings);
            boolean truthKnown = !samples.source().equals("synthesised");
            int steps = structure.hasCache() ? settings.decodeSteps() : 0;
            int timedRuns = settings.latencyRuns() > 0 ? FidelityEvaluator.WARM_UP_RUNS + settings.latencyRuns() : 0;
            FidelityEvaluator.Progress progress = new FidelityEvaluator.Progress(listener);
            progress.expect(2 * (samples.samples().size() * (1 + steps) + timedRuns));

            Run run = new Run(env, structure, inputs, specs(compressed), outputs, FidelityEvaluator.maskInput(inputs),
                    truthKnown, steps, progress);
            for (int index = 0; index < samples.samples().size(); index++) {
                run.window(original, compressed, samples.samples().get(index), samples.continuation(index),
                        userInputs(settings), originalModel, compressedModel);
            }
            Latency latency = null;
            if (settings.latencyRuns() > 0) {
                double originalMs = FidelityEvaluator.latency(env, original, originalModel, samples, settings, progress);
                double compressedMs = FidelityEvaluator.latency(env, compressed, compressedModel, samples, settings, progress);
                latency = new Latency(originalMs, compressedMs, compressedMs / originalMs, settings.latencyRuns(),
                        settings.executionProvider().name());
            }
            List<String> notes = new ArrayList<>();
            original.getOutputInfo().forEach((name, info) -> {
                if (!outputs.contains(name)) {
                    notes.add("output '" + name + "' (" + info.getInfo() + ") not compared: only float tensors are");
                }
            });
            List<OutputFidelity> fidelity = run.outputFidelity(notes);
            LanguageModelFidelity lm = new LanguageModelFidelity(structure.logitsOutput(), samples.source(),
                    samples.samples().size(), run.longestWindow, run.decoded > 0 ? steps : 0, run.prefill.result(),
                    run.decode.result(), ReferenceBands.LLAMA_CPP);
            notes.add(("next-token fidelity of '%s': %d prefill positions in %d windows%s; KL(original ‖ compressed) "
                    + "from log-softmax in double precision").formatted(structure.logitsOutput(),
                    run.prefill.positions(), samples.samples().size(), run.decoded == 0
                            ? (structure.hasCache() ? ", no decode steps" : ", no decode steps (no KV cache)")
                            : ", then %d decode steps after each of %d windows, each model feeding its own present back as past (%s)"
                                    .formatted(steps, run.decoded, truthKnown ? "the text's next tokens"
                                            : "the original's most likely token fed to both")));
            if (run.skippedDecode > 0) {
                notes.add(run.skippedDecode + " samples had padding, a batch over one or a filled cache: no decode steps after them");
            }
            listener.onProgress(FidelityEvaluator.PROGRESS_STEP, 1);
            return new EvaluationResult(fidelity, latency, recorded, new EvaluationInfo(samples.source(),
                    samples.samples().size(), samples.description(), samples.text()), notes, structure.info(), lm);
        }
    }

    private static boolean userInputs(EvaluationSettings settings) {
        return settings.inputsDir() != null;
    }

    /** One evaluation's accumulators, fed window by window. */
    private static final class Run {

        private final OrtEnvironment env;
        private final ModelStructure structure;
        private final List<InputSpec> originalInputs;
        private final List<InputSpec> compressedInputs;
        private final List<String> outputs;
        private final String maskInput;
        private final boolean truthKnown;
        private final int steps;
        private final FidelityEvaluator.Progress progress;
        private final Map<String, OutputComparison> comparisons = new LinkedHashMap<>();
        private final Map<String, Long> masked = new LinkedHashMap<>();
        private final NextTokenStats prefill = new NextTokenStats();
        private final NextTokenStats decode = new NextTokenStats();
        private int longestWindow;
        private int decoded;
        private int skippedDecode;

        Run(OrtEnvironment env, ModelStructure structure, List<InputSpec> originalInputs,
            List<InputSpec> compressedInputs, List<String> outputs, String maskInput, boolean truthKnown, int steps,
            FidelityEvaluator.Progress progress) {
            this.env = env;
            this.structure = structure;
            this.originalInputs = originalInputs;
            this.compressedInputs = compressedInputs;
            this.outputs = outputs;
            this.maskInput = maskInput;
            this.truthKnown = truthKnown;
            this.steps = steps;
            this.progress = progress;
        }

        /**
         * One window: the original's prefill and decode steps first (its logits kept, the tokens it was fed noted),
         * then the compressed model's on the same tokens, compared as they come. The two sessions take turns per
         * window, not per step: interleaving them step by step makes each one's idle thread pool spin against the
         * other's work.
         */
        void window(OrtSession original, OrtSession compressed, Sample sample, long[] continuation, boolean userInputs,
                    Path originalModel, Path compressedModel) throws OrtException {
            continuationHead = continuation.length > 0 ? continuation[0] : -1;
            long[] shape = sample.inputs().get(structure.tokenInput()).shape();
            int batch = Math.toIntExact(shape[0]);
            int length = Math.toIntExact(shape[1]);
            longestWindow = Math.max(longestWindow, length);
            boolean decodes = steps > 0 && batch == 1 && allOnes(sample) && emptyCache(sample);
            if (steps > 0 && !decodes) {
                skippedDecode++;
            }
            long[] fed = new long[decodes ? steps : 0];
            List<float[]> originalSteps = new ArrayList<>();
            Map<String, Output> originalOutputs;
            OrtSession.Result result;
            try (Feeds feeds = Feeds.of(env, original, sample)) {
                result = runOrFail(original, feeds, originalModel, sample, userInputs);
            }
            try {
                progress.advance();
                originalOutputs = read(result);
                float[] logits = originalOutputs.get(structure.logitsOutput()).values();
                int vocabulary = logits.length / Math.max(1, batch * length);
                long next = truthKnown && continuation.length > 0 ? continuation[0]
                        : NextTokenStats.argmax(logits, (length - 1) * vocabulary, vocabulary);
                for (int step = 0; step < fed.length; step++) {
                    fed[step] = next;
                    result = step(original, originalInputs, result, new long[] {next}, length + step, originalModel);
                    progress.advance();
                    float[] a = logits(result, originalModel, vocabulary);
                    originalSteps.add(a);
                    boolean known = truthKnown && step + 1 < continuation.length;
                    next = known ? continuation[step + 1] : NextTokenStats.argmax(a, 0, vocabulary);
                }
            } finally {
                result.close();
            }

            try (Feeds feeds = Feeds.of(env, compressed, sample)) {
                result = runOrFail(compressed, feeds, compressedModel, sample, false);
            }
            try {
                progress.advance();
                compare(sample, originalOutputs, read(result));
                int vocabulary = originalSteps.isEmpty() ? 0 : originalSteps.getFirst().length;
                for (int step = 0; step < fed.length; step++) {
                    result = step(compressed, compressedInputs, result, new long[] {fed[step]}, length + step,
                            compressedModel);
                    progress.advance();
                    float[] b = logits(result, compressedModel, vocabulary);
                    boolean known = truthKnown && step + 1 < continuation.length;
                    decode.add(originalSteps.get(step), b, vocabulary, new int[] {0},
                            new long[] {known ? continuation[step + 1] : -1});
                }
            } finally {
                result.close();
            }
            if (fed.length > 0) {
                decoded++;
            }
        }

        /** One output of one run: its shape and values, widened to float. */
        private record Output(long[] shape, float[] values) {}

        private Map<String, Output> read(OrtSession.Result result) {
            Map<String, Output> values = new LinkedHashMap<>();
            for (String name : outputs) {
                OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow();
                values.put(name, new Output(tensor.getInfo().getShape(), OrtTensors.floats(tensor).orElseThrow()));
            }
            return values;
        }

        /** Compares the prefill outputs, and the logits position by position. */
        private void compare(Sample sample, Map<String, Output> original, Map<String, Output> compressed) {
            for (String name : outputs) {
                Output a = original.get(name);
                Output b = compressed.get(name);
                long[] shape = a.shape();
                if (!Arrays.equals(shape, b.shape())) {
                    throw new UnsupportedModelException("output '" + name + "' is " + Arrays.toString(b.shape())
                            + " in the compressed model but " + Arrays.toString(shape) + " in the original, on sample "
                            + sample.name());
                }
                if (a.values().length == 0) {
                    continue;
                }
                int length = shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
                boolean distribution = name.equals(structure.logitsOutput());
                OutputComparison comparison = comparisons.computeIfAbsent(name,
                        n -> new OutputComparison(n, distribution, false));
                boolean[] keep = keep(shape, sample);
                if (keep != null) {
                    long dropped = 0;
                    for (boolean kept : keep) {
                        dropped += kept ? 0 : 1;
                    }
                    masked.merge(name, dropped, Long::sum);
                }
                comparison.add(a.values(), b.values(), length, keep);
            }
            Output logits = original.get(structure.logitsOutput());
            if (logits == null || logits.shape().length != 3) {
                throw new UnsupportedModelException("logits output '" + structure.logitsOutput() + "' is not a float "
                        + "tensor [batch, sequence, vocabulary]" + (logits == null ? "" : ": " + Arrays.toString(logits.shape())));
            }
            nextTokens(sample, logits.values(), compressed.get(structure.logitsOutput()).values(), logits.shape());
        }

        /** Adds every real position of the prefill to the prefill statistics. */
        private void nextTokens(Sample sample, float[] originalLogits, float[] compressedLogits, long[] shape) {
            int batch = Math.toIntExact(shape[0]);
            int length = Math.toIntExact(shape[1]);
            int vocabulary = Math.toIntExact(shape[2]);
            long[] ids = sample.inputs().get(structure.tokenInput()).toLongs();
            long[] mask = maskInput == null ? null : sample.inputs().get(maskInput).toLongs();
            int maskLength = mask == null ? 0 : mask.length / batch;
            List<Integer> positions = new ArrayList<>();
            List<Long> truth = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < length; t++) {
                    if (!real(mask, maskLength, length, b, t)) {
                        continue;
                    }
                    positions.add(b * length + t);
                    long next = -1;
                    if (truthKnown && t + 1 < length && real(mask, maskLength, length, b, t + 1)) {
                        next = ids[b * length + t + 1];
                    }
                    truth.add(next);
                }
            }
            if (truthKnown && batch == 1 && continuationHead >= 0 && !positions.isEmpty()
                    && positions.getLast() == length - 1) {
                truth.set(truth.size() - 1, continuationHead);
            }
            prefill.add(originalLogits, compressedLogits, vocabulary,
                    positions.stream().mapToInt(Integer::intValue).toArray(),
                    truth.stream().mapToLong(Long::longValue).toArray());
        }

        /** The first continuation token of the window being compared, or −1; set by {@link #window}. */
        private long continuationHead = -1;

        private boolean real(long[] mask, int maskLength, int length, int b, int t) {
            // the current tokens are the last `length` positions of the mask (past tokens come first)
            return mask == null || mask[b * maskLength + maskLength - length + t] != 0;
        }

        /** Per vector of an output shaped {@code [batch, sequence, …]} like the mask: whether its position is real. */
        private boolean[] keep(long[] shape, Sample sample) {
            if (maskInput == null || shape.length < 3) {
                return null;
            }
            NpyArray mask = sample.inputs().get(maskInput);
            long[] maskShape = mask.shape();
            if (maskShape.length != 2 || maskShape[0] != shape[0] || maskShape[1] != shape[1]) {
                return null;
            }
            long vectorsPerPosition = 1;
            for (int axis = 2; axis < shape.length - 1; axis++) {
                vectorsPerPosition *= shape[axis];
            }
            long[] positions = mask.toLongs();
            boolean[] keep = new boolean[Math.toIntExact(positions.length * vectorsPerPosition)];
            for (int vector = 0; vector < keep.length; vector++) {
                keep[vector] = positions[(int) (vector / vectorsPerPosition)] != 0;
            }
            return keep;
        }

        private boolean allOnes(Sample sample) {
            return maskInput == null || Arrays.stream(sample.inputs().get(maskInput).toLongs()).allMatch(v -> v == 1);
        }

        private boolean emptyCache(Sample sample) {
            return structure.cache().stream().allMatch(pair -> sample.inputs().get(pair.past()).elements() == 0);
        }

        /**
         * One decode step: {@code token} after {@code past} tokens, the cache taken from {@code previous}, which is
         * closed once the step ran (and left to the caller when it failed).
         */
        private OrtSession.Result step(OrtSession session, List<InputSpec> inputs, OrtSession.Result previous,
                                       long[] token, int past, Path model) throws OrtException {
            Map<String, NpyArray> values = TokenFeeds.feeds(inputs, structure, token, past);
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            List<OnnxTensor> created = new ArrayList<>();
            try {
                for (InputSpec input : inputs) {
                    NpyArray value = values.get(input.name());
                    if (value != null) {
                        OnnxTensor tensor = OrtTensors.create(env, input.name(), value, input.type());
                        created.add(tensor);
                        feeds.put(input.name(), tensor);
                    }
                }
                for (ModelStructure.CachePair pair : structure.cache()) {
                    OnnxValue present = previous.get(pair.present()).orElseThrow(() -> new UnsupportedModelException(
                            model + " did not return KV-cache output '" + pair.present() + "'"));
                    feeds.put(pair.past(), (OnnxTensor) present);
                }
                OrtSession.Result next = session.run(feeds);
                previous.close();
                return next;
            } catch (OrtException e) {
                throw new UnsupportedModelException(model + " fails on a decode step (past length " + past
                        + ", its present outputs fed back as past): " + e.getMessage(), e);
            } finally {
                created.forEach(OnnxTensor::close);
            }
        }

        /** The logits of a decode step: one position of {@code vocabulary}. */
        private float[] logits(OrtSession.Result result, Path model, int vocabulary) {
            float[] logits = OrtTensors.floats(result.get(structure.logitsOutput()).orElseThrow()).orElseThrow(
                    () -> new UnsupportedModelException(model + ": logits output '" + structure.logitsOutput()
                            + "' is not a float tensor"));
            if (logits.length != vocabulary) {
                throw new UnsupportedModelException(model + ": a decode step returned " + logits.length
                        + " logits, expected one position of " + vocabulary);
            }
            return logits;
        }

        List<OutputFidelity> outputFidelity(List<String> notes) {
            List<OutputFidelity> results = new ArrayList<>();
            for (String name : outputs) {
                OutputComparison comparison = comparisons.get(name);
                long dropped = masked.getOrDefault(name, 0L);
                if (comparison == null || comparison.vectors() == 0) {
                    if (dropped > 0) {
                        throw new InvalidModelException(maskInput + " is 0 at every position of output '" + name
                                + "' in every sample: nothing to compare");
                    }
                    notes.add("output '" + name + "' is empty: not compared");
                    continue;
                }
                if (dropped > 0) {
                    notes.add("output '" + name + "': " + dropped + " vectors at " + maskInput + " == 0 positions left out");
                }
                results.add(comparison.result());
            }
            return results;
        }

        private static OrtSession.Result runOrFail(OrtSession session, Feeds feeds, Path model, Sample sample,
                                                   boolean userInputs) {
            try {
                return session.run(feeds.tensors());
            } catch (OrtException e) {
                String problem = model + " fails on sample " + sample.name() + ": " + e.getMessage();
                throw userInputs ? new InvalidModelException("the given inputs do not fit the model: " + problem, e)
                        : new UnsupportedModelException(problem, e);
            }
        }
    }

    private static List<InputSpec> specs(OrtSession session) throws OrtException {
        List<InputSpec> inputs = new ArrayList<>();
        for (NodeInfo input : session.getInputInfo().values()) {
            inputs.add(InputSpec.of(input));
        }
        return inputs;
    }

    private static List<String> floatOutputs(OrtSession session) throws OrtException {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> output : session.getOutputInfo().entrySet()) {
            if (output.getValue().getInfo() instanceof TensorInfo tensor && FidelityEvaluator.isFloat(tensor)) {
                names.add(output.getKey());
            }
        }
        return names;
    }

    private static void checkSignature(OrtSession original, OrtSession compressed, Path compressedModel,
                                       List<String> outputs) throws OrtException {
        for (String input : compressed.getInputNames()) {
            if (!original.getInputNames().contains(input)) {
                throw new UnsupportedModelException("compressed model " + compressedModel + " has input '" + input
                        + "', which the original model does not have");
            }
        }
        for (String output : outputs) {
            if (!compressed.getOutputNames().contains(output)) {
                throw new UnsupportedModelException("compressed model " + compressedModel + " lacks output '" + output + "'");
            }
        }
    }
}
