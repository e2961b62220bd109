/**
 * Fidelity evaluation: runs an original and a compressed model on the same inputs with ONNX Runtime and
 * measures how far apart their outputs are; calibration statistics and GPTQ's matrix products on the same execution
 * provider. The only package that touches ONNX Runtime.
 */
package com.modelpress.engine.evaluation;
