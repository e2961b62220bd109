package com.modelpress.tokenizer;

import java.nio.file.Path;

/**
 * A {@code tokenizer.json} that cannot be used: missing, not one the Hugging Face library reads, or (for
 * {@link WordPieceTokenizer}) not a BERT-style WordPiece tokenizer.
 */
public final class UnsupportedTokenizerException extends RuntimeException {

    /**
     * @param field the JSON path of the offending entry, e.g. {@code model.type}
     * @param value what was found there, nullable when the entry is missing
     */
    UnsupportedTokenizerException(String field, String value) {
        super("unsupported tokenizer.json: " + field + " = " + value);
    }

    /**
     * @param file   the tokenizer file as given
     * @param reason why it cannot be used, one line
     */
    UnsupportedTokenizerException(Path file, String reason) {
        super("cannot use the tokenizer " + file + ": " + reason);
    }
}
