package com.modelpress.api.job;

/** A {@code calibrationText} or {@code evaluationText} part that is not text: not UTF-8, or nothing but white space. */
public final class InvalidTextFileException extends RuntimeException {

    InvalidTextFileException(String part, String fileName, String reason) {
        super("The '%s' part '%s' %s".formatted(part, fileName, reason));
    }
}
