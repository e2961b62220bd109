/**
 * The {@code int8-dynamic} method: int8 weights with activations quantized at run time
 * ({@code DynamicQuantizeLinear → MatMulInteger}), the graph shape ONNX Runtime fuses into its fast integer
 * kernels.
 */
package com.modelpress.engine.dynamic;
