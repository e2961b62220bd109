package com.modelpress.api.job;

/**
 * A {@code tokenizer} part that is not a Hugging Face {@code tokenizer.json}: not JSON, or no {@code model} object with
 * a {@code vocab}, or a model type the format does not have. Whether the library reads the rest is for the worker to
 * find out (a job that ends FAILED with {@code invalid_tokenizer}).
 */
public final class InvalidTokenizerFileException extends RuntimeException {

    InvalidTokenizerFileException(String fileName, String reason) {
        super("The 'tokenizer' part '%s' is not a Hugging Face tokenizer.json: %s".formatted(fileName, reason));
    }
}
