package com.modelpress.tokenizer;

/** A {@code tokenizer.json} that is not a BERT-style WordPiece tokenizer this bench can reproduce. */
public final class UnsupportedTokenizerException extends RuntimeException {

    /**
     * @param field the JSON path of the offending entry, e.g. {@code model.type}
     * @param value what was found there, nullable when the entry is missing
     */
    UnsupportedTokenizerException(String field, String value) {
        super("unsupported tokenizer.json: " + field + " = " + value);
    }
}
