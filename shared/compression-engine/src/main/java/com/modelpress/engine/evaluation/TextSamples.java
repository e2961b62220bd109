package com.modelpress.engine.evaluation;

import com.modelpress.contracts.FidelityReport.TextInfo;
import com.modelpress.engine.InvalidTextException;
import com.modelpress.engine.UnsupportedModelException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Samples cut from a {@link TokenizedText}, for evaluation or calibration.
 *
 * <p>A decoder LM reads windows of the token stream: each window is the tokenizer's prefix (a BOS token, if it has
 * one) and {@code context − prefix} consecutive tokens, fed as a prefill with an empty cache; the
 * {@code continuation} tokens after it are kept as the true next tokens of the window's last position and of the
 * decode steps. Windows do not overlap; when the text holds more than asked for, they are spread evenly over it.
 * An encoder reads one sample per line (special tokens included), spread evenly likewise. Thread-safe: no state.
 */
final class TextSamples {

    private TextSamples() {
    }

    /**
     * @param context      tokens per decoder window, at least 2
     * @param continuation decoder tokens to keep after each window (0 for calibration)
     * @param maxSamples   at most this many windows or lines; 0 for all
     * @throws InvalidTextException      when the text is too short for one window, or holds ids outside the
     *                                   model's vocabulary (the tokenizer is not the model's)
     * @throws UnsupportedModelException when the model has no token-id input
     */
    static Samples of(List<InputSpec> inputs, GraphFacts facts, TokenizedText text, int context, int continuation,
                      int maxSamples) {
        ModelStructure structure = facts.structure();
        if (structure.tokenInput() == null) {
            throw new UnsupportedModelException("text " + text.file() + " needs a model with a token-id input; "
                    + "this one has none that indexes an embedding table");
        }
        return structure.isDecoder()
                ? windows(inputs, structure, text, context, continuation, maxSamples)
                : lines(inputs, structure, text, maxSamples);
    }

    private static Samples windows(List<InputSpec> inputs, ModelStructure structure, TokenizedText text, int context,
                                   int continuation, int maxSamples) {
        int prefix = text.prefix().length;
        int body = context - prefix;
        if (context < 2 || body < 1) {
            throw new IllegalArgumentException("a window of " + context + " tokens leaves no room after the "
                    + prefix + " prefix tokens");
        }
        int stride = body + continuation;
        int available = text.streamLength() / stride;
        if (available == 0) {
            throw new InvalidTextException("%s has %d tokens; one window needs %d (%d context%s)".formatted(
                    text.file(), text.streamLength(), stride, body,
                    continuation > 0 ? " + " + continuation + " for the decode steps and their true next tokens" : ""));
        }
        int count = count(available, maxSamples);
        long[] all = text.stream();
        List<Sample> samples = new ArrayList<>();
        List<long[]> continuations = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int offset = (int) ((long) i * available / count) * stride;
            long[] window = text.window(offset, body);
            checkVocabulary(window, structure, text);
            samples.add(new Sample("%s@%d".formatted(text.file(), offset), TokenFeeds.feeds(inputs, structure, window, 0)));
            long[] next = Arrays.copyOfRange(all, offset + body, offset + body + continuation);
            checkVocabulary(next, structure, text);
            continuations.add(next);
        }
        String tokens = "%d windows of %d tokens from %s (sha256 %s…, %d tokens%s)".formatted(count, context,
                text.file(), text.sha256().substring(0, 12), text.streamLength(),
                prefix > 0 ? ", each starting with the tokenizer's " + prefix + " prefix tokens" : "");
        TextInfo info = new TextInfo(text.file(), text.sha256(), text.streamLength(), count, context);
        return new Samples(samples, "text", TokenFeeds.describe(inputs, structure, tokens, context),
                continuation > 0 ? continuations : List.of(), info);
    }

    private static Samples lines(List<InputSpec> inputs, ModelStructure structure, TokenizedText text, int maxSamples) {
        List<long[]> lines = text.lines();
        if (lines.isEmpty()) {
            throw new InvalidTextException(text.file() + " has no text");
        }
        int count = count(lines.size(), maxSamples);
        List<Sample> samples = new ArrayList<>();
        int longest = 0;
        for (int i = 0; i < count; i++) {
            int index = (int) ((long) i * lines.size() / count);
            long[] line = lines.get(index);
            checkVocabulary(line, structure, text);
            longest = Math.max(longest, line.length);
            samples.add(new Sample("%s:%d".formatted(text.file(), index + 1), TokenFeeds.feeds(inputs, structure, line, 0)));
        }
        String tokens = "%d lines of %s (sha256 %s…), up to %d tokens each, special tokens included".formatted(count,
                text.file(), text.sha256().substring(0, 12), longest);
        TextInfo info = new TextInfo(text.file(), text.sha256(), text.lineTokens(), count, longest);
        String window = "[1," + longest + "]";
        String positions = "0.." + (longest - 1);
        List<String> description = TokenFeeds.describe(inputs, structure, tokens, longest).stream()
                .map(line -> line.replace(window, "[1,n]").replace(positions, "0..n-1")
                        .replace("ones over the window (past length 0)", "ones"))
                .toList();
        return new Samples(samples, "text", description, List.of(), info);
    }

    /**
     * What {@link #of} would take from {@code text} for a model of this structure, without building samples; the
     * windows or lines count is 0 when the text is too short.
     */
    static TextInfo info(ModelStructure structure, TokenizedText text, int context, int continuation, int maxSamples) {
        if (structure.isDecoder()) {
            int stride = context - text.prefix().length + continuation;
            return new TextInfo(text.file(), text.sha256(), text.streamLength(),
                    stride < 1 ? 0 : count(text.streamLength() / stride, maxSamples), context);
        }
        List<long[]> lines = text.lines();
        int count = count(lines.size(), maxSamples);
        int longest = 0;
        for (int i = 0; i < count; i++) {
            longest = Math.max(longest, lines.get((int) ((long) i * lines.size() / count)).length);
        }
        return new TextInfo(text.file(), text.sha256(), text.lineTokens(), count, longest);
    }

    private static int count(int available, int maxSamples) {
        return maxSamples <= 0 ? available : Math.min(maxSamples, available);
    }

    private static void checkVocabulary(long[] tokens, ModelStructure structure, TokenizedText text) {
        Long vocabulary = structure.vocabulary();
        for (long token : tokens) {
            if (token < 0 || (vocabulary != null && token >= vocabulary)) {
                throw new InvalidTextException(("%s tokenizes to id %d, outside the model's vocabulary of %d: is the "
                        + "tokenizer the model's own?").formatted(text.file(), token, vocabulary));
            }
        }
    }
}
