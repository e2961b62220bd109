package com.modelpress.cli;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.CompressionSpec;
import com.modelpress.contracts.DeclaredInputs;
import com.modelpress.engine.evaluation.EvaluationSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The options that make a {@link CompressionSpec}, shared by {@code compress} (the engine here) and {@code submit}
 * (the engine on a server): the method and its options, the fidelity floors, {@code auto}'s size, the evaluation, and
 * the texts. {@link #spec} checks them with the API's own rules before anything else happens, so a spec the server would
 * refuse exits 2 with the server's message, its members named as the options that set them.
 *
 * <p>A picocli mixin: one instance per command line parse. Not thread-safe.
 */
final class SpecOptions {

    /** The option that sets each request member, for messages; a member not listed here is named by its path. */
    static final Map<String, String> OPTIONS = options();

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = {"-m", "--method"}, required = true, paramLabel = "METHOD", completionCandidates = MethodIds.class,
            description = "One of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = "--block-size", paramLabel = "N",
            description = "int4/auto block length along the reduction axis: 16, 32, 64 or 128 (default "
                    + CompressionOptions.DEFAULT_BLOCK_SIZE + ").")
    Integer blockSize;

    @Option(names = "--symmetric", description = "int4/auto without zero points (default: asymmetric).")
    boolean symmetric;

    @Option(names = "--rounding", paramLabel = "MODE",
            description = "int4/auto: how 4-bit codes are chosen — gptq (default: error-compensating, calibrated), "
                    + "aware (block search weighted by calibration activations), search (block search), "
                    + "rtn (plain round to nearest, the baseline).")
    String rounding;

    @Option(names = "--head", paramLabel = "MODE",
            description = "int4: precision of an LM head (the matrix producing the logits output, tied to the "
                    + "embedding table or not) — measured (default: scored at int4, int8 and kept; the smallest "
                    + "not clearly more sensitive per byte than the rest), int4, int8 or kept.")
    String head;

    @Option(names = "--exclude", paramLabel = "NAME", split = ",",
            description = "Node or tensor names to leave untouched; repeat the option or separate names with commas.")
    List<String> exclude = new ArrayList<>();

    @Option(names = "--keep-names",
            description = "Keep the graph's node names and the names of the values its nodes compute (default: node "
                    + "names are dropped and computed values get short names; inputs, outputs and initializers always "
                    + "keep theirs).")
    boolean keepNames;

    @Option(names = "--min-elements", paramLabel = "N",
            description = "Leave tensors with fewer elements as they are (default "
                    + CompressionOptions.DEFAULT_MIN_ELEMENTS + ").")
    Long minElements;

    @Mixin
    GateOptions floors;

    @Option(names = "--target-size", paramLabel = "SIZE",
            description = "auto: the most the compressed model (file plus external data) may take: bytes (2500000), "
                    + "decimal units (2.5MB, 1.5GB), binary units (750MiB, 1.5GiB) or a fraction of the original "
                    + "(0.25x). Mixes 2, 4 and 8 bits per tensor by measured damage; with --max-kl/--min-cosine those "
                    + "are checked and the report says by how much they were missed.")
    String targetSize;

    @Option(names = "--target-bpw", paramLabel = "BITS",
            description = "auto: the most bits per weight over all weights, embeddings and head included (at least 2), "
                    + "e.g. 3.5.")
    Double targetBpw;

    @Option(names = "--samples", paramLabel = "N",
            description = "Synthesised samples to evaluate on (default: 8), or with --eval-text the windows "
                    + "(decoder LMs) or lines (encoders) of the text (default: "
                    + EvaluationSettings.DEFAULT_TEXT_WINDOWS + ").")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed for synthesised samples (default: " + CompressionRequest.EvaluationSpec.DEFAULT_SEED + ").")
    Long seed;

    @Option(names = "--shape", paramLabel = "NAME=AxB",
            description = "Synthesised samples (evaluation and calibration): the shape of input NAME, e.g. input=2x512 "
                    + "(NAME=scalar for rank 0); repeatable.")
    List<String> shapes = new ArrayList<>();

    @Option(names = "--dim", paramLabel = "SYMBOL=N",
            description = "Synthesised samples: the size of the symbolic dimension SYMBOL in every input, e.g. batch=2; "
                    + "repeatable.")
    List<String> dims = new ArrayList<>();

    @Option(names = "--set", paramLabel = "NAME=VALUE",
            description = "Synthesised samples: every element of input NAME is VALUE, e.g. sr=16000 for a scalar rate; "
                    + "repeatable.")
    List<String> values = new ArrayList<>();

    @Option(names = "--eval-text", paramLabel = "FILE",
            description = "Evaluate on this UTF-8 text, tokenized with --tokenizer: decoder LMs read it as windows of "
                    + "--context tokens (perplexity, KL of next-token distributions, decode steps), encoders one "
                    + "sample per line. Use other text than you calibrate on.")
    Path evalText;

    @Option(names = "--calibration-text", paramLabel = "FILE",
            description = "int4/auto: calibrate on this UTF-8 text, tokenized with --tokenizer: decoder LMs read "
                    + "windows of --context tokens, encoders one sample per non-empty line. Use other text than you "
                    + "evaluate on.")
    Path calibrationText;

    @Option(names = "--tokenizer", paramLabel = "tokenizer.json",
            description = "The model's Hugging Face tokenizer.json (byte-level BPE, SentencePiece BPE or Unigram, "
                    + "WordPiece), for --calibration-text and --eval-text.")
    Path tokenizer;

    @Option(names = "--context", paramLabel = "N",
            description = "Tokens per window of --eval-text/--calibration-text for decoder LMs, and the most tokens "
                    + "per line for encoders (default: " + EvaluationSettings.DEFAULT_CONTEXT + ").")
    Integer context;

    @Option(names = "--decode-steps", paramLabel = "N",
            description = "Decoder LMs with a KV cache: decode steps after each prefill window, each model feeding its "
                    + "own present back as past; 0 scores the prefill only (default: "
                    + EvaluationSettings.DEFAULT_DECODE_STEPS + ").")
    Integer decodeSteps;

    @Option(names = "--sensitivity", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Rank the compressed tensors by measured sensitivity (each compressed alone and scored; "
                    + "one scoring run per tensor) into the report; --no-sensitivity skips it (default: on).")
    boolean sensitivity = true;

    /**
     * The options as a request, with {@code metadata} and {@code webhook} (nullable) as given; members left out stay
     * out, so that the request hashes as it always did.
     *
     * @throws ParameterException when a {@code --shape}, {@code --dim} or {@code --set} does not parse
     */
    CompressionRequest request(Map<String, String> metadata, CompressionRequest.Webhook webhook) {
        DeclaredInputs declared;
        try {
            declared = DeclaredInputs.parse(shapes, dims, values);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage(), e);
        }
        boolean target = floors.any() || targetSize != null || targetBpw != null;
        boolean evaluation = samples != null || seed != null || !sensitivity || context != null || decodeSteps != null
                || !declared.isEmpty();
        return new CompressionRequest(method,
                new CompressionOptions(blockSize, symmetric ? Boolean.TRUE : null, exclude, minElements, rounding, head,
                        keepNames ? Boolean.TRUE : null),
                target ? new CompressionRequest.Target(floors.minCosine, floors.minSqnr, floors.maxKl,
                        floors.maxPplIncrease, targetSize, targetBpw, floors.targetOutput) : null,
                evaluation ? new CompressionRequest.EvaluationSpec(samples, seed, sensitivity ? null : Boolean.FALSE,
                        context, decodeSteps, declared.shapes(), declared.dims(), declared.values()) : null,
                metadata, webhook);
    }

    /**
     * The spec these options describe, checked by the rules the API applies, and how they fit the texts.
     *
     * @param calibration nullable: the command's calibration samples ({@code --calibration})
     * @throws ParameterException naming every rule broken, each member as the option that sets it
     */
    CompressionSpec spec(Path calibration) {
        CompressionRequest request = request(Map.of(), null);
        List<String> problems = new ArrayList<>(CompressionSpec.problems(request).stream().map(SpecOptions::describe)
                .toList());
        problems.addAll(textProblems(calibration));
        if (!problems.isEmpty()) {
            throw new ParameterException(command.commandLine(), String.join("; ", problems));
        }
        return CompressionSpec.of(request);
    }

    /** The floors as {@code --wait} and {@code compress} hold a report to them. */
    FidelityGates gates() {
        return floors.gates();
    }

    /** The texts and the tokenizer: each text needs the tokenizer, the tokenizer a text; as the API has it. */
    private List<String> textProblems(Path calibration) {
        List<String> problems = new ArrayList<>();
        boolean text = calibrationText != null || evalText != null;
        if (text && tokenizer == null) {
            problems.add((calibrationText != null ? "--calibration-text" : "--eval-text")
                    + " needs --tokenizer tokenizer.json (the model's own Hugging Face tokenizer)");
        }
        if (!text && tokenizer != null) {
            problems.add("--tokenizer is only used with --calibration-text or --eval-text");
        }
        if (calibrationText != null && calibration != null) {
            problems.add("--calibration and --calibration-text exclude each other");
        }
        if (floors.maxPplIncrease != null && evalText == null) {
            problems.add("--max-ppl-increase needs --eval-text: perplexity is measured on text");
        }
        if (context != null && !text) {
            problems.add("--context sets the windows of --eval-text/--calibration-text");
        }
        return problems;
    }

    /** A problem as the command line says it: {@code --block-size: must be 16, 32, 64 or 128, not 33}. */
    static String describe(CompressionSpec.Problem problem) {
        return option(problem.field()) + ": " + problem.message(SpecOptions::option);
    }

    /** The option that sets a request member, e.g. {@code --shape input} for {@code evaluation.shapes.input}. */
    static String option(String field) {
        String option = OPTIONS.get(field);
        if (option != null) {
            return option;
        }
        for (String declared : List.of("evaluation.shapes", "evaluation.dims", "evaluation.values")) {
            if (field.startsWith(declared + ".")) {
                return OPTIONS.get(declared) + " " + field.substring(declared.length() + 1);
            }
        }
        return field;
    }

    private static Map<String, String> options() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("method", "--method");
        options.put("options.blockSize", "--block-size");
        options.put("options.symmetric", "--symmetric");
        options.put("options.rounding", "--rounding");
        options.put("options.head", "--head");
        options.put("options.excludeNodes", "--exclude");
        options.put("options.minElements", "--min-elements");
        options.put("options.keepNames", "--keep-names");
        options.put("target.minCosine", "--min-cosine");
        options.put("target.minSqnrDb", "--min-sqnr");
        options.put("target.maxKl", "--max-kl");
        options.put("target.maxPplIncrease", "--max-ppl-increase");
        options.put("target.targetOutput", "--target-output");
        options.put("target.size", "--target-size");
        options.put("target.bitsPerWeight", "--target-bpw");
        options.put("evaluation.samples", "--samples");
        options.put("evaluation.seed", "--seed");
        options.put("evaluation.shapes", "--shape");
        options.put("evaluation.dims", "--dim");
        options.put("evaluation.values", "--set");
        options.put("evaluation.context", "--context");
        options.put("evaluation.decodeSteps", "--decode-steps");
        options.put("evaluation.sensitivity", "--sensitivity");
        return Map.copyOf(options);
    }

    /** Lets picocli list the method ids in help and shell completion. */
    static final class MethodIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return CompressionSpec.METHODS.iterator();
        }
    }
}
