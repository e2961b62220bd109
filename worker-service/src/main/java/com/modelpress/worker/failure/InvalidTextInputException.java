package com.modelpress.worker.failure;

/**
 * A job's text parts cannot be used with its model: the {@code tokenizer.json} is one the Hugging Face library refuses
 * ({@value #TOKENIZER}), or a text is not UTF-8, too short for one window, tokenized outside the model's vocabulary,
 * or the same text for calibration and evaluation ({@value #TEXT}). Trying again cannot help.
 */
public final class InvalidTextInputException extends RejectedJobException {

    public static final String TOKENIZER = "invalid_tokenizer";
    public static final String TEXT = "invalid_text";

    private final String code;

    /** @param code {@link #TOKENIZER} or {@link #TEXT} */
    public InvalidTextInputException(String code, String message) {
        super(message);
        if (!code.equals(TOKENIZER) && !code.equals(TEXT)) {
            throw new IllegalArgumentException("not a text input code: " + code);
        }
        this.code = code;
    }

    @Override
    public String code() {
        return code;
    }
}
