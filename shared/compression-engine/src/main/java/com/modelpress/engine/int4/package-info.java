/**
 * The {@code int4} method: block-wise 4-bit weights for MatMul and Gemm as ONNX Runtime's
 * {@code com.microsoft::MatMulNBits}, 4-bit rows for lookup tables built from standard ONNX ops.
 */
package com.modelpress.engine.int4;
