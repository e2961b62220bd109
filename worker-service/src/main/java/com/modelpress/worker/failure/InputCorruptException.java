package com.modelpress.worker.failure;

/** The stored input's bytes do not have the SHA-256 the job message promised. */
public final class InputCorruptException extends RejectedJobException {

    public InputCorruptException(String key, String expectedSha256, String actualSha256) {
        super("input '%s' has SHA-256 %s, expected %s".formatted(key, actualSha256, expectedSha256));
    }

    @Override
    public String code() {
        return "input_corrupt";
    }
}
