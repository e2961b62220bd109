package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;

class Int8DynamicContractTest extends CompressionMethodContract {
    CompressionMethod method() {
        return CompressionMethod.of("int8-dynamic", CompressionOptions.defaults());
    }

    /** Activations are quantized too (per tensor, at run time), so it trails weight-only int8. */
    double minCosine() {
        return 0.99;
    }

    int matMulBits() {
        return 8;
    }

    double maxDecoderKl() {
        return 0.025;
    }

    double minDecoderCosine() {
        return 0.99;
    }

    /** DynamicQuantizeLinear takes float32 only: float16 activations are cast around the integer product. */
    @Override
    boolean keepsFloat16Everywhere() {
        return false;
    }
}
