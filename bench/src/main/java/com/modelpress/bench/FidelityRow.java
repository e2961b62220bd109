package com.modelpress.bench;

/** One line of the fidelity table: a model compressed one way, and how it compares with the fp32 original. */
sealed interface FidelityRow permits FidelityRow.Measured, FidelityRow.Failed {

    /** @return the model's display name */
    String model();

    /** @return the method, e.g. {@code int4}, or a description of the reference */
    String variant();

    /**
     * @param sizeRatio          compressed file bytes / original file bytes
     * @param bitsPerWeight      nullable: only when the engine reports it
     * @param worstOutputSqnrDb  nullable: the lowest output SQNR in the engine's report, in dB
     * @param agreement          pooled-embedding agreement with fp32 on the bench sentences
     * @param latency            batch latency of the compressed model next to fp32's, timed in alternation
     * @param compressionSeconds nullable: wall time of the engine's compress call (its own evaluation included)
     */
    record Measured(String model, String variant, double sizeRatio, Double bitsPerWeight, Double worstOutputSqnrDb,
                    EmbeddingAgreement agreement, PairedLatency latency, Double compressionSeconds) implements FidelityRow {}

    /** @param reason one line: why this variant produced no numbers */
    record Failed(String model, String variant, String reason) implements FidelityRow {}
}
