/**
 * Quantization primitives shared by several methods: weight SQNR, per-channel symmetric int8, the two
 * int8 graph encodings ({@code DequantizeLinear} and row-quantized {@code Gather} tables), and the nodes that split
 * bytes into 4-bit codes ({@link com.modelpress.engine.quant.NibbleDecode}).
 */
package com.modelpress.engine.quant;
