package com.modelpress.worker.input;

import com.modelpress.engine.InvalidTextException;
import com.modelpress.engine.evaluation.TokenizedText;
import com.modelpress.tokenizer.TextTokenizer;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The text parts of a job as the worker fetched them: the model's {@code tokenizer.json} and the calibration and/or
 * evaluation text, each a file in the attempt's folder named as the user named it. Tokenized where the engine runs
 * (in the child JVM by default), so that a hostile {@code tokenizer.json} meets the Hugging Face library inside the
 * sandbox, not in the worker.
 *
 * <p>Immutable.
 *
 * @param tokenizer       the {@code tokenizer.json}
 * @param calibrationText nullable: the text to calibrate on
 * @param evaluationText  nullable: the text to evaluate on
 */
public record JobTexts(Path tokenizer, Path calibrationText, Path evaluationText) {

    public JobTexts {
        if (tokenizer == null || (calibrationText == null && evaluationText == null)) {
            throw new IllegalArgumentException("texts need a tokenizer and at least one text");
        }
    }

    /**
     * Both texts through the tokenizer, each named by its file name (never the attempt's folder).
     *
     * @param context tokens per line when a text is read line by line (encoders), as {@code --context} sets it
     * @throws com.modelpress.tokenizer.UnsupportedTokenizerException when the library cannot read the tokenizer
     * @throws InvalidTextException when a text is not UTF-8, holds no text, or both texts are the same
     * @throws IOException          when a file cannot be read
     */
    public Tokenized tokenize(int context) throws IOException {
        try (TextTokenizer text = TextTokenizer.read(tokenizer, context)) {
            TokenizedText calibration = calibrationText == null ? null : tokenize(text, "calibrationText", calibrationText);
            TokenizedText evaluation = evaluationText == null ? null : tokenize(text, "evaluationText", evaluationText);
            if (calibration != null && evaluation != null && calibration.sha256().equals(evaluation.sha256())) {
                throw new InvalidTextException(("calibrationText %s and evaluationText %s are the same text (sha256 %s): "
                        + "fidelity must be measured on text calibration did not see").formatted(calibration.file(),
                        evaluation.file(), evaluation.sha256()));
            }
            return new Tokenized(calibration, evaluation);
        }
    }

    /** @param calibration nullable; @param evaluation nullable */
    public record Tokenized(TokenizedText calibration, TokenizedText evaluation) {}

    private static TokenizedText tokenize(TextTokenizer tokenizer, String part, Path file) throws IOException {
        String name = file.getFileName().toString();
        TokenizedText text;
        try {
            text = tokenizer.tokenize(file);
        } catch (IllegalArgumentException e) {
            throw new InvalidTextException("%s %s".formatted(part, String.valueOf(e.getMessage()).replace(file.toString(), name)));
        }
        return new TokenizedText(name, text.sha256(), text.stream(), text.prefix(), text.lines());
    }
}
