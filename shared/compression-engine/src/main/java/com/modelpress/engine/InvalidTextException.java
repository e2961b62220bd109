package com.modelpress.engine;

/**
 * A calibration or evaluation text that does not fit the model: too short for one window, no text at all, or token
 * ids outside the model's vocabulary (the tokenizer is not the model's). The message names the text file. An
 * {@link InvalidModelException} (the evaluation inputs are at fault, not the model), so callers that do not tell texts
 * apart treat it as before.
 */
public final class InvalidTextException extends InvalidModelException {

    public InvalidTextException(String message) {
        super(message);
    }
}
