/**
 * Quantization primitives shared by several methods: weight SQNR, per-channel symmetric int8, and the two
 * int8 graph encodings ({@code DequantizeLinear} and row-quantized {@code Gather} tables).
 */
package com.modelpress.engine.quant;
