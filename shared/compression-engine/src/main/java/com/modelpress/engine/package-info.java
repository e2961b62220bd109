/**
 * The compression engine's entry points: {@link com.modelpress.engine.ModelCompressor} takes an ONNX model and
 * a {@link com.modelpress.engine.CompressionMethod} and produces a smaller model plus a measured
 * {@link com.modelpress.contracts.FidelityReport}, through the steps of
 * {@code CompressionPipeline} (load, calibrate, plan, quantize and write, evaluate, report).
 * Plain Java: no framework.
 */
package com.modelpress.engine;
