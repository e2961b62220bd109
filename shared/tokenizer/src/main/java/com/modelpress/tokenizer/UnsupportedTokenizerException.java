package com.modelpress.tokenizer;

import java.nio.file.Path;

/** A {@code tokenizer.json} that cannot be used: missing, or not one the Hugging Face library reads. */
public final class UnsupportedTokenizerException extends RuntimeException {

    /**
     * @param file   the tokenizer file as given
     * @param reason why it cannot be used, one line
     */
    UnsupportedTokenizerException(Path file, String reason) {
        super("cannot use the tokenizer " + file + ": " + reason);
    }
}
