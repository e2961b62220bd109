package com.modelpress.worker.sandbox;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.modelpress.contracts.FidelityReport;

/**
 * What the engine's child JVM writes to {@value SandboxProtocol#OUTCOME} before it exits. A child that crashes
 * writes none; the worker then judges by its exit code, its console and its JVM error report.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ChildOutcome.Succeeded.class, name = "succeeded"),
        @JsonSubTypes.Type(value = ChildOutcome.Rejected.class, name = "rejected"),
        @JsonSubTypes.Type(value = ChildOutcome.Failed.class, name = "failed"),
        @JsonSubTypes.Type(value = ChildOutcome.OutOfMemory.class, name = "out-of-memory")})
sealed interface ChildOutcome {

    /**
     * The engine wrote the compressed model and measured it.
     *
     * @param maxHeapBytes  the child's heap limit ({@code Runtime.maxMemory()})
     * @param peakHeapBytes the most heap the child used, summed over its heap pools' peaks
     */
    record Succeeded(FidelityReport report, long maxHeapBytes, long peakHeapBytes) implements ChildOutcome {}

    /**
     * The engine judged the model or its text inputs: {@code code} is {@code invalid_model}, {@code unsupported_model},
     * {@code invalid_text} or {@code invalid_tokenizer}.
     */
    record Rejected(String code, String message) implements ChildOutcome {}

    /** Any other exception; {@code message} is nullable. */
    record Failed(String exception, String message) implements ChildOutcome {}

    /** An {@code OutOfMemoryError} the JVM did not end the process for (direct buffers, for example). */
    record OutOfMemory(String message) implements ChildOutcome {}
}
