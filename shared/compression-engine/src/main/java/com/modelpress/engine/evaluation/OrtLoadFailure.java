package com.modelpress.engine.evaluation;

import ai.onnxruntime.OrtException;
import com.modelpress.engine.ModelDefect;
import com.modelpress.engine.UnsupportedModelException;

import java.nio.file.Path;
import java.util.Locale;

/** Turns ONNX Runtime's refusal to load a model into a one-line {@link UnsupportedModelException} with a stable code. */
final class OrtLoadFailure {

    /** ONNX Runtime's messages can quote whole graphs; a job error should stay readable. */
    private static final int MAX_REASON = 400;

    private OrtLoadFailure() {
    }

    /**
     * Names the file, not its folder: a worker's scratch paths mean nothing to the user.
     *
     * @param role which model, e.g. {@code "the model"} or {@code "the compressed model"}
     * @return {@link ModelDefect#UNSUPPORTED_OPERATOR} when ONNX Runtime has no kernel or schema for an operator or domain,
     * else {@link ModelDefect#RUNTIME_REJECTED}.
     */
    static UnsupportedModelException of(String role, Path model, OrtException e) {
        String reason = String.valueOf(e.getMessage()).strip().replaceAll("\\s*\\R\\s*", " ")
                .replaceFirst("^Error code - \\w+ - message: ", "")
                .replaceFirst("^Load model from .*? failed: ?", "");
        String lower = reason.toLowerCase(Locale.ROOT);
        boolean operator = e.getCode() == OrtException.OrtErrorCode.ORT_NOT_IMPLEMENTED
                || lower.contains("not a registered function/op")
                || lower.contains("could not find an implementation")
                || lower.contains("no op registered for")
                || lower.contains("unrecognized domain")
                || lower.contains("no opset import for domain");
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON) + "…";
        }
        return new UnsupportedModelException(operator ? ModelDefect.UNSUPPORTED_OPERATOR : ModelDefect.RUNTIME_REJECTED,
                "ONNX Runtime cannot load %s %s: %s".formatted(role, model.getFileName(), reason), e);
    }
}
