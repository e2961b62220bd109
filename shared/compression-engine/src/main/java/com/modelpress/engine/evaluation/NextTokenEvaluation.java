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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a compressed decoder LM against its original the way LLM users judge one: both models run side by side
 * on the same prefill windows (text or synthesised), their next-token distributions are compared at every real
 * position ({@link NextTokenStats}), and then, when the model has a KV cache, each model runs {@code decodeSteps}
 * decode steps after each window feeding its own {@code present} outputs back as {@code past} inputs — the token fed
 * is the text's next token, or without a text the original's most likely token, the same for both models. The
 * prefill outputs are also compared vector by vector ({@link OutputComparison}) as for any model.
 *
 * <p>Equal windows are stacked into batches ({@link #LOGITS_BUDGET}). The original runs every batch first and is closed
 * before the compressed model's session is created, so ONNX Runtime holds one model's weights at a time (on a CPU an
 * fp16 model's session takes about twice its weights, the fp16 MatMul weights widened to float32); the original's
 * prefill outputs and decode-step logits wait in a scratch file ({@link FloatSpill}), so the heap holds one batch's
 * outputs. Thread-safe: no state.
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
        return settings.inputsDir() == null ? SyntheticInputs.synthesise(inputs, facts, settings.samples(), settings.seed(),
                settings.inputs())
                : SampleFolders.load(settings.inputsDir(), inputs);
    }

    static EvaluationResult evaluate(OrtEnvironment env, Path originalModel, Path compressedModel, GraphFacts facts,
                                     EvaluationSettings settings, ProgressListener listener) throws OrtException {
        ModelStructure structure = facts.structure();
        Map<String, String> recorded = new LinkedHashMap<>();
        try (SessionOptions options = FidelityEvaluator.sessionOptions(env, settings, recorded);
             FloatSpill spill = new FloatSpill()) {
            Run run;
            Samples samples;
            List<Batch> batches;
            List<OriginalBatch> originals = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            Set<String> originalInputs;
            double originalMs = 0;
            int steps = structure.hasCache() ? settings.decodeSteps() : 0;
            // one session at a time: the original's outputs wait in the scratch file for the compressed model, so the
            // process holds one model's weights in ONNX Runtime, not both
            try (OrtSession original = FidelityEvaluator.openReleasingHeap(env, "the model", originalModel, options)) {
                List<InputSpec> inputs = specs(original);
                List<String> outputs = floatOutputs(original);
                samples = samples(inputs, facts, settings);
                boolean truthKnown = !samples.source().equals("synthesised");
                int timedRuns = settings.latencyRuns() > 0 ? FidelityEvaluator.WARM_UP_RUNS + settings.latencyRuns() : 0;
                FidelityEvaluator.Progress progress = new FidelityEvaluator.Progress(listener);
                progress.expect(2 * (samples.samples().size() + timedRuns));
                run = new Run(env, structure, inputs, outputs, FidelityEvaluator.maskInput(inputs), truthKnown, steps,
                        progress, spill);
                batches = batches(samples, structure, FidelityEvaluator.maskInput(inputs));
                for (Batch batch : batches) {
                    originals.add(run.original(original, batch, userInputs(settings), originalModel));
                }
                if (settings.latencyRuns() > 0) {
                    originalMs = FidelityEvaluator.latency(env, original, originalModel, samples, settings, progress);
                }
                original.getOutputInfo().forEach((name, info) -> {
                    if (!outputs.contains(name)) {
                        notes.add("output '" + name + "' (" + info.getInfo() + ") not compared: only float tensors are");
                    }
                });
                originalInputs = original.getInputNames();
            }
            Latency latency = null;
            try (OrtSession compressed = FidelityEvaluator.openReleasingHeap(env, "the compressed model", compressedModel, options)) {
                checkSignature(originalInputs, compressed, compressedModel, run.outputs);
                List<InputSpec> compressedInputs = specs(compressed);
                for (int index = 0; index < batches.size(); index++) {
                    run.compressed(compressed, compressedInputs, batches.get(index), originals.get(index), compressedModel);
                }
                if (settings.latencyRuns() > 0) {
                    double compressedMs = FidelityEvaluator.latency(env, compressed, compressedModel, samples, settings,
                            run.progress);
                    latency = new Latency(originalMs, compressedMs, compressedMs / originalMs, settings.latencyRuns(),
                            settings.executionProvider().name());
                }
            }
            List<OutputFidelity> fidelity = run.outputFidelity(notes);
            LanguageModelFidelity lm = new LanguageModelFidelity(structure.logitsOutput(), samples.source(),
                    samples.samples().size(), run.longestWindow, run.decoded > 0 ? steps : 0, run.prefill.result(),
                    run.decode.result(), ReferenceBands.LLAMA_CPP);
            notes.add(("next-token fidelity of '%s': %d prefill positions in %d windows%s; KL(original ‖ compressed) "
                    + "from log-softmax in double precision").formatted(structure.logitsOutput(),
                    run.prefill.positions(), samples.samples().size(), run.decoded == 0
                            ? (structure.hasCache() ? ", no decode steps" : ", no decode steps (no KV cache)")
                            : ", then %d decode steps after each of %d windows, each model feeding its own present back as past (%s)"
                                    .formatted(steps, run.decoded, run.truthKnown ? "the text's next tokens"
                                            : "the original's most likely token fed to both")));
            if (run.skippedDecode > 0) {
                notes.add(run.skippedDecode + " samples had padding, a batch over one or a filled cache: no decode steps after them");
            }
            listener.onProgress(FidelityEvaluator.PROGRESS_STEP, 1);
            return new EvaluationResult(fidelity, latency, recorded, new EvaluationInfo(samples.source(),
                    samples.samples().size(), samples.description(), samples.text()), notes, structure.info(), lm);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the original's outputs in a scratch file", e);
        }
    }

    /** Floats of one batch's logits at most: bounds the heap a batch takes (both models' logits are held). */
    static final long LOGITS_BUDGET = 1L << 24;
    /** Windows per batch at most. */
    static final int MAX_BATCH = 32;

    /**
     * Windows run together, their samples stacked along the batch axis.
     *
     * @param sample        the stacked inputs
     * @param continuations per row, the tokens after it in the text (empty when not known)
     * @param samples       how many samples were stacked
     * @param decodable     one row per sample, a mask of ones and an empty cache: decode steps can follow
     */
    private record Batch(Sample sample, List<long[]> continuations, int samples, boolean decodable) {

        int size() {
            return samples;
        }

        long[] continuation(int row) {
            return row < continuations.size() ? continuations.get(row) : new long[0];
        }
    }

    /**
     * What the original left for the compressed model in one batch.
     *
     * @param outputs    its prefill outputs
     * @param steps      its logits at each decode step
     * @param fed        per decode step, the token fed to each row
     * @param vocabulary logits per position
     */
    private record OriginalBatch(Map<String, Run.Held> outputs, List<FloatSpill.Stored> steps, long[][] fed,
                                 int vocabulary) {}

    /**
     * Consecutive samples that are single prefill windows of the same shape with a mask of ones and an empty cache
     * are stacked into batches (within {@link #LOGITS_BUDGET} and {@link #MAX_BATCH}); any other sample runs alone.
     */
    private static List<Batch> batches(Samples samples, ModelStructure structure, String maskInput) {
        long vocabulary = structure.vocabulary() == null ? 1 : structure.vocabulary();
        List<Batch> batches = new ArrayList<>();
        List<Integer> group = new ArrayList<>();
        Map<String, List<Long>> groupShape = null;
        for (int index = 0; index < samples.samples().size(); index++) {
            Sample sample = samples.samples().get(index);
            if (!stackable(sample, structure, maskInput)) {
                stack(samples, group, batches);
                batches.add(new Batch(sample, List.of(), 1, false));
                continue;
            }
            Map<String, List<Long>> shape = new LinkedHashMap<>();
            sample.inputs().forEach((name, array) -> shape.put(name, Arrays.stream(array.shape()).boxed().toList()));
            long length = sample.inputs().get(structure.tokenInput()).shape()[1];
            long fits = Math.max(1, Math.min(MAX_BATCH, LOGITS_BUDGET / Math.max(1, length * vocabulary)));
            if (!group.isEmpty() && (!shape.equals(groupShape) || group.size() >= fits)) {
                stack(samples, group, batches);
            }
            group.add(index);
            groupShape = shape;
        }
        stack(samples, group, batches);
        return batches;
    }

    private static boolean stackable(Sample sample, ModelStructure structure, String maskInput) {
        long[] tokens = sample.inputs().get(structure.tokenInput()).shape();
        if (tokens.length != 2 || tokens[0] != 1) {
            return false;
        }
        for (NpyArray array : sample.inputs().values()) {
            if (array.shape().length > 0 && array.shape()[array.shape().length == 5 ? 1 : 0] != 1) {
                return false;
            }
        }
        boolean ones = maskInput == null || Arrays.stream(sample.inputs().get(maskInput).toLongs()).allMatch(v -> v == 1);
        return ones && structure.cache().stream().allMatch(pair -> sample.inputs().get(pair.past()).elements() == 0);
    }

    /** Adds the samples of {@code group} as one batch (and empties the group). */
    private static void stack(Samples samples, List<Integer> group, List<Batch> batches) {
        if (group.isEmpty()) {
            return;
        }
        List<Sample> members = group.stream().map(samples.samples()::get).toList();
        List<long[]> continuations = group.stream().map(samples::continuation).toList();
        Map<String, NpyArray> stacked = new LinkedHashMap<>();
        for (String name : members.getFirst().inputs().keySet()) {
            NpyArray first = members.getFirst().inputs().get(name);
            long[] shape = first.shape();
            if (shape.length == 0 || members.size() == 1) {
                stacked.put(name, first);
                continue;
            }
            int axis = shape.length == 5 ? 1 : 0;
            shape[axis] = members.size();
            java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
            members.forEach(member -> data.writeBytes(member.inputs().get(name).data()));
            stacked.put(name, new NpyArray(first.descr(), shape, data.toByteArray()));
        }
        String name = members.size() == 1 ? members.getFirst().name()
                : members.getFirst().name() + " … " + members.getLast().name();
        batches.add(new Batch(new Sample(name, stacked), continuations, members.size(), true));
        group.clear();
    }

    private static boolean userInputs(EvaluationSettings settings) {
        return settings.inputsDir() != null;
    }

    /** One evaluation's accumulators, fed window by window. */
    private static final class Run {

        private final OrtEnvironment env;
        private final ModelStructure structure;
        private final List<InputSpec> originalInputs;
        private final List<String> outputs;
        private final String maskInput;
        private final boolean truthKnown;
        private final int steps;
        private final FidelityEvaluator.Progress progress;
        private final FloatSpill spill;
        private final Map<String, OutputComparison> comparisons = new LinkedHashMap<>();
        private final NextTokenStats prefill = new NextTokenStats();
        private final NextTokenStats decode = new NextTokenStats();
        private int longestWindow;
        private int decoded;
        private int skippedDecode;

        Run(OrtEnvironment env, ModelStructure structure, List<InputSpec> originalInputs, List<String> outputs,
            String maskInput, boolean truthKnown, int steps, FidelityEvaluator.Progress progress, FloatSpill spill) {
            this.env = env;
            this.structure = structure;
            this.originalInputs = originalInputs;
            this.outputs = outputs;
            this.maskInput = maskInput;
            this.truthKnown = truthKnown;
            this.steps = steps;
            this.progress = progress;
            this.spill = spill;
        }

        /**
         * The original's side of one batch: its prefill and decode steps, its outputs and logits written to the
         * scratch file, the tokens it was fed noted for the compressed model.
         */
        OriginalBatch original(OrtSession original, Batch batch, boolean userInputs, Path originalModel)
                throws OrtException {
            Sample sample = batch.sample();
            long[] shape = sample.inputs().get(structure.tokenInput()).shape();
            int rows = Math.toIntExact(shape[0]);
            int length = Math.toIntExact(shape[1]);
            longestWindow = Math.max(longestWindow, length);
            boolean decodes = steps > 0 && batch.decodable();
            if (steps > 0 && !decodes) {
                skippedDecode += batch.size();
            }
            long[][] fed = new long[decodes ? steps : 0][rows];
            List<FloatSpill.Stored> originalSteps = new ArrayList<>();
            Map<String, Held> originalOutputs = new LinkedHashMap<>();
            OrtSession.Result result;
            try (Feeds feeds = Feeds.of(env, original, sample)) {
                result = runOrFail(original, feeds, originalModel, sample, userInputs);
            }
            int vocabulary;
            try {
                Map<String, Output> outputs = read(result);
                float[] logits = outputs.get(structure.logitsOutput()).values();
                outputs.forEach((name, output) -> originalOutputs.put(name, new Held(output.shape(), spill.write(output.values()))));
                vocabulary = logits.length / Math.max(1, rows * length);
                long[] next = new long[rows];
                for (int row = 0; row < rows; row++) {
                    long[] continuation = batch.continuation(row);
                    next[row] = truthKnown && continuation.length > 0 ? continuation[0]
                            : NextTokenStats.argmax(logits, (row * length + length - 1) * vocabulary, vocabulary);
                }
                for (int step = 0; step < fed.length; step++) {
                    fed[step] = next.clone();
                    result = step(original, originalInputs, sample, result, tokens(next), length + step, originalModel);
                    float[] a = logits(result, originalModel, rows * vocabulary);
                    originalSteps.add(spill.write(a));
                    for (int row = 0; row < rows; row++) {
                        long[] continuation = batch.continuation(row);
                        next[row] = truthKnown && step + 1 < continuation.length ? continuation[step + 1]
                                : NextTokenStats.argmax(a, row * vocabulary, vocabulary);
                    }
                }
            } finally {
                result.close();
            }
            progress.advance(batch.size());
            return new OriginalBatch(originalOutputs, originalSteps, fed, vocabulary);
        }

        /** The compressed model's side of one batch, on the tokens the original was fed, compared as it comes. */
        void compressed(OrtSession compressed, List<InputSpec> compressedInputs, Batch batch, OriginalBatch original,
                        Path compressedModel) throws OrtException {
            Sample sample = batch.sample();
            int rows = Math.toIntExact(sample.inputs().get(structure.tokenInput()).shape()[0]);
            int vocabulary = original.vocabulary();
            long[][] fed = original.fed();
            OrtSession.Result result;
            try (Feeds feeds = Feeds.of(env, compressed, sample)) {
                result = runOrFail(compressed, feeds, compressedModel, sample, false);
            }
            try {
                Map<String, Output> originalOutputs = new LinkedHashMap<>();
                original.outputs().forEach((name, held) -> originalOutputs.put(name,
                        new Output(held.shape(), spill.read(held.values()))));
                compare(batch, originalOutputs, read(result));
                originalOutputs.clear();
                int[] positions = new int[rows];
                for (int row = 0; row < rows; row++) {
                    positions[row] = row;
                }
                for (int step = 0; step < fed.length; step++) {
                    result = step(compressed, compressedInputs, sample, result, tokens(fed[step]), length(sample) + step,
                            compressedModel);
                    float[] b = logits(result, compressedModel, rows * vocabulary);
                    long[] truth = new long[rows];
                    for (int row = 0; row < rows; row++) {
                        long[] continuation = batch.continuation(row);
                        truth[row] = truthKnown && step + 1 < continuation.length ? continuation[step + 1] : -1;
                    }
                    int[] along = new int[rows];
                    Arrays.fill(along, step);
                    decode.add(spill.read(original.steps().get(step)), b, vocabulary, positions, truth, along);
                }
            } finally {
                result.close();
            }
            progress.advance(batch.size());
            if (fed.length > 0) {
                decoded += rows;
            }
        }

        private int length(Sample sample) {
            return Math.toIntExact(sample.inputs().get(structure.tokenInput()).shape()[1]);
        }

        private static long[][] tokens(long[] next) {
            long[][] rows = new long[next.length][];
            for (int row = 0; row < next.length; row++) {
                rows[row] = new long[] {next[row]};
            }
            return rows;
        }

        /** One output of one run: its shape and values, widened to float. */
        private record Output(long[] shape, float[] values) {}

        /** One output of the original's run, its values in the scratch file. */
        record Held(long[] shape, FloatSpill.Stored values) {}

        private Map<String, Output> read(OrtSession.Result result) {
            Map<String, Output> values = new LinkedHashMap<>();
            for (String name : outputs) {
                OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow();
                values.put(name, new Output(tensor.getInfo().getShape(), OrtTensors.floats(tensor).orElseThrow()));
            }
            return values;
        }

        /** Compares the prefill outputs, and the logits position by position. */
        private void compare(Batch batch, Map<String, Output> original, Map<String, Output> compressed) {
            Sample sample = batch.sample();
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
                comparison.add(a.values(), b.values(), length, keep);
            }
            Output logits = original.get(structure.logitsOutput());
            if (logits == null || logits.shape().length != 3) {
                throw new UnsupportedModelException("logits output '" + structure.logitsOutput() + "' is not a float "
                        + "tensor [batch, sequence, vocabulary]" + (logits == null ? "" : ": " + Arrays.toString(logits.shape())));
            }
            nextTokens(batch, logits.values(), compressed.get(structure.logitsOutput()).values(), logits.shape());
        }

        /** Adds every real position of the prefill to the prefill statistics. */
        private void nextTokens(Batch batch, float[] originalLogits, float[] compressedLogits, long[] shape) {
            Sample sample = batch.sample();
            int rows = Math.toIntExact(shape[0]);
            int length = Math.toIntExact(shape[1]);
            int vocabulary = Math.toIntExact(shape[2]);
            long[] ids = sample.inputs().get(structure.tokenInput()).toLongs();
            long[] mask = maskInput == null ? null : sample.inputs().get(maskInput).toLongs();
            int maskLength = mask == null ? 0 : mask.length / rows;
            List<Integer> positions = new ArrayList<>();
            List<Integer> along = new ArrayList<>();
            List<Long> truth = new ArrayList<>();
            for (int b = 0; b < rows; b++) {
                long[] continuation = batch.continuation(b);
                for (int t = 0; t < length; t++) {
                    if (!real(mask, maskLength, length, b, t)) {
                        continue;
                    }
                    positions.add(b * length + t);
                    along.add(t);
                    long next = -1;
                    if (truthKnown && t + 1 < length && real(mask, maskLength, length, b, t + 1)) {
                        next = ids[b * length + t + 1];
                    } else if (truthKnown && t == length - 1 && continuation.length > 0) {
                        next = continuation[0];
                    }
                    truth.add(next);
                }
            }
            prefill.add(originalLogits, compressedLogits, vocabulary,
                    positions.stream().mapToInt(Integer::intValue).toArray(),
                    truth.stream().mapToLong(Long::longValue).toArray(),
                    along.stream().mapToInt(Integer::intValue).toArray());
        }

        private boolean real(long[] mask, int maskLength, int length, int b, int t) {
            // the current tokens are the last `length` positions of the mask (past tokens come first)
            return mask == null || mask[b * maskLength + maskLength - length + t] != 0;
        }

        /** Per vector of an output shaped {@code [batch, sequence, …]} like the mask: whether its position is real. */
        private boolean[] keep(long[] shape, Sample sample) {
            return maskInput == null ? null : OutputComparison.unmasked(shape, sample.inputs().get(maskInput));
        }

        /**
         * One decode step: a token per row after {@code past} tokens, the cache taken from {@code previous}, which is
         * closed once the step ran (and left to the caller when it failed); inputs the engine cannot make up (an
         * encoder's hidden states) are carried over from the prefill.
         */
        private OrtSession.Result step(OrtSession session, List<InputSpec> inputs, Sample prefill,
                                       OrtSession.Result previous, long[][] tokens, int past, Path model)
                throws OrtException {
            Map<String, NpyArray> values = new LinkedHashMap<>(TokenFeeds.feeds(inputs, structure, tokens, past));
            for (InputSpec input : inputs) {
                if (TokenFeeds.role(input, structure) == TokenFeeds.Role.OTHER_FLOAT) {
                    values.put(input.name(), prefill.inputs().get(input.name()));
                }
            }
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
                if (comparison == null) {
                    notes.add(OutputComparison.notCompared(name));
                    continue;
                }
                OutputFidelity result = comparison.resultNoting(maskInput, notes);
                if (result != null) {
                    results.add(result);
                }
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

    private static void checkSignature(Set<String> originalInputs, OrtSession compressed, Path compressedModel,
                                       List<String> outputs) throws OrtException {
        for (String input : compressed.getInputNames()) {
            if (!originalInputs.contains(input)) {
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
