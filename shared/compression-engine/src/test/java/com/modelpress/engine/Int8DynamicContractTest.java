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
}
