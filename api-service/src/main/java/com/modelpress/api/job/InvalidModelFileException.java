package com.modelpress.api.job;

/** The uploaded {@code model} part cannot be a model: wrong file type or empty. */
public final class InvalidModelFileException extends RuntimeException {

    private final String fileName;

    InvalidModelFileException(String fileName, String reason) {
        super("Model file '%s' %s".formatted(fileName, reason));
        this.fileName = fileName;
    }

    public String fileName() {
        return fileName;
    }
}
